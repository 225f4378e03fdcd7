import { describe, expect, it } from 'vitest';
import { gatherFact } from './fact.js';

const never = () => new Promise<never>(() => undefined);

describe('gatherFact', () => {
  it('a value in time', async () => {
    expect(await gatherFact('site', 1000, undefined, () => Promise.resolve(42))).toEqual({ ok: true, value: 42 });
  });
  it('an error names the source', async () => {
    expect(await gatherFact('site', 1000, undefined, () => Promise.reject(new Error('ECONNREFUSED')))).toEqual({ ok: false, cause: 'site: ECONNREFUSED' });
  });
  it('past the deadline: a failed fact, and the gatherer is told to stop', async () => {
    let seen: AbortSignal | undefined;
    const fact = await gatherFact('TLS', 20, undefined, (signal) => {
      seen = signal;
      return never();
    });
    expect(fact).toEqual({ ok: false, cause: 'TLS: no answer within 20 ms (thresholds.checkTimeoutMs)' });
    expect(seen?.aborted).toBe(true);
  });
  it('Ctrl-C stops the wait at once', async () => {
    const parent = new AbortController();
    const pending = gatherFact('Redis INFO', 60_000, parent.signal, never);
    parent.abort();
    expect(await pending).toEqual({ ok: false, cause: 'Redis INFO: interrupted' });
  });
});
