import { describe, expect, it } from 'vitest';
import { launchDaySnapshot, nextSnapshot, reconnectingSnapshot } from '../../../test/fixtures/watch-snapshots.js';
import { computeRates, counterDelta } from './rates.js';

describe('computeRates', () => {
  it('turns the cumulative counters of two snapshots into per-second rates and per-refresh deltas', () => {
    const a = launchDaySnapshot();
    const b = nextSnapshot(a);
    expect(computeRates(a, b)).toEqual({
      intervalS: 2,
      opsPerSec: 3410,
      hitRatio: 0.95,
      evictedSinceLast: 2,
      oomSinceLast: 1,
      ingestPerSec: 20,
      consumePerSec: 19,
      eventsPerSec: 19,
    });
  });

  it('uses Redis’ own estimates for the first snapshot', () => {
    const rates = computeRates(undefined, launchDaySnapshot());
    expect(rates.opsPerSec).toBe(3100);
    expect(rates.hitRatio).toBe(0.9); // cumulative: 90,000 / 100,000
    expect(rates.evictedSinceLast).toBe(0);
    expect(rates.ingestPerSec).toBeNull();
    expect(rates.intervalS).toBeNull();
  });

  it('treats a counter that went down as reset (Redis restarted): the new value is the growth', () => {
    const a = launchDaySnapshot();
    const b = nextSnapshot(a);
    b.redis!.totalCommands = 400;
    b.redis!.evictedKeys = 0;
    const rates = computeRates(a, b);
    expect(rates.opsPerSec).toBe(200);
    expect(rates.evictedSinceLast).toBe(0);
    expect(counterDelta(10, 3)).toBe(3);
  });

  it('gives no ingest rate across a new UTC day (a new stream key)', () => {
    const a = launchDaySnapshot();
    const b = nextSnapshot(a);
    b.streams!.key = 'stream:engagement:2026-12-09';
    b.streams!.entriesAdded = 5;
    expect(computeRates(a, b).ingestPerSec).toBeNull();
  });

  it('falls back to the interval hit ratio of the whole run when nothing was looked up in the interval', () => {
    const a = launchDaySnapshot();
    const b = nextSnapshot(a);
    b.redis!.keyspaceHits = a.redis!.keyspaceHits;
    b.redis!.keyspaceMisses = a.redis!.keyspaceMisses;
    expect(computeRates(a, b).hitRatio).toBe(0.9);
  });

  it('has no Redis rates while reconnecting', () => {
    const rates = computeRates(launchDaySnapshot(), { ...reconnectingSnapshot(), ts: launchDaySnapshot().ts + 2000 });
    expect(rates.opsPerSec).toBeNull();
    expect(rates.evictedSinceLast).toBeNull();
  });
});
