import { describe, expect, it } from 'vitest';
import { CleanupRegistry, type RehearsalEnv } from './environment.js';
import { runRehearsal } from './run.js';
import { summarizeLatency, type RehearsalStep } from './steps.js';

const step = (id: string, run: RehearsalStep['run'] = () => Promise.resolve({ id, title: id, ok: true, lines: [], data: {} })): RehearsalStep => ({ id, title: id, run });

function fakeEnv(controller = new AbortController()): RehearsalEnv {
  // Steps here never touch Redis or the site; the runner only reads signal.
  return { signal: controller.signal } as unknown as RehearsalEnv;
}

describe('CleanupRegistry', () => {
  it('undoes in reverse order, keeps going past a failure, and runs once', async () => {
    const order: string[] = [];
    const cleanup = new CleanupRegistry();
    cleanup.add('folder removed', () => void order.push('folder'));
    cleanup.add('server stopped', () => {
      order.push('server');
      throw new Error('already gone');
    });
    cleanup.add('site stopped', () => void order.push('site'));
    const first = await cleanup.runAll();
    expect(order).toEqual(['site', 'server', 'folder']);
    expect(first).toEqual({ cleaned: ['site stopped', 'folder removed'], failed: ['server stopped: already gone'] });
    expect(await cleanup.runAll()).toEqual({ cleaned: [], failed: [] });
    expect(order).toHaveLength(3);
  });
});

describe('runRehearsal', () => {
  it('runs the steps in order and passes when every section passes', async () => {
    const seen: string[] = [];
    const outcome = await runRehearsal(fakeEnv(), [step('a'), step('b')], { onStepStart: (s) => void seen.push(s.id) });
    expect(seen).toEqual(['a', 'b']);
    expect(outcome).toMatchObject({ ok: true, interrupted: false });
    expect(outcome.sections.map((s) => s.id)).toEqual(['a', 'b']);
  });

  it('stops at a step that throws and reports it as a failed section', async () => {
    const outcome = await runRehearsal(fakeEnv(), [
      step('a'),
      step('b', () => Promise.reject(new Error('cannot reach Redis'))),
      step('c'),
    ]);
    expect(outcome.ok).toBe(false);
    expect(outcome.sections.map((s) => [s.id, s.ok])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(outcome.sections[1]!.lines).toEqual(['failed: cannot reach Redis']);
  });

  it('stops between steps on Ctrl-C', async () => {
    const controller = new AbortController();
    const outcome = await runRehearsal(fakeEnv(controller), [
      step('a', () => {
        controller.abort();
        return Promise.resolve({ id: 'a', title: 'a', ok: true, lines: [], data: {} });
      }),
      step('b'),
    ]);
    expect(outcome).toMatchObject({ ok: false, interrupted: true });
    expect(outcome.sections).toHaveLength(1);
  });
});

describe('summarizeLatency', () => {
  it('gives p50/p95, cache statuses and errors', () => {
    const stats = summarizeLatency([
      { path: '/', status: 200, latencyMs: 10, cacheStatus: 'HIT', error: null },
      { path: '/a', status: 200, latencyMs: 20, cacheStatus: 'HIT', error: null },
      { path: '/b', status: 200, latencyMs: 300, cacheStatus: 'MISS', error: null },
      { path: '/c', status: 503, latencyMs: 5, cacheStatus: null, error: null },
      { path: '/d', status: null, latencyMs: null, cacheStatus: null, error: 'ECONNRESET' },
    ]);
    expect(stats).toEqual({ requests: 5, p50: 10, p95: 300, cache: { HIT: 2, MISS: 1 }, errors: 2 });
  });
});
