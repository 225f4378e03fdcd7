import { describe, expect, it } from 'vitest';
import { makePaint, visibleLength } from '../../output/terminal.js';
import { launchDaySnapshot, nextSnapshot, reconnectingSnapshot } from '../../../test/fixtures/watch-snapshots.js';
import { columnChart, renderDashboard, renderLine, renderLineHeader } from './render.js';

const lines = (text: string) => text.split('\n');

function expectFits(text: string, columns: number, rows: number) {
  const ls = lines(text);
  expect(ls).toHaveLength(rows);
  for (const l of ls) expect(visibleLength(l)).toBe(columns);
}

describe('renderDashboard', () => {
  const prev = launchDaySnapshot();
  const cur = nextSnapshot(prev);

  it('fits 80×24 exactly and shows every panel', async () => {
    const text = renderDashboard(cur, { columns: 80, rows: 24 }, { prev, intervalMs: 2000 });
    expectFits(text, 80, 24);
    await expect(text).toMatchFileSnapshot('./__snapshots__/dashboard-80x24.txt');
    for (const word of ['T+2h 13m', 'PRODUCT HUNT', 'votes 312', 'rank ~3', 'REDIS', 'ops/s 3,410', 'hit 95.0%', 'evicted 2', 'oom 1', 'ENGAGEMENT', 'lag 12', 'pending 3', 'CONVERSION', 'pricing', 'WARM', '5/6 markers alive', '/pricing in 2m 05s']) {
      expect(text).toContain(word);
    }
  });

  it('on a cluster shows the fullest master\'s memory, not the sum that hides it', () => {
    const mb = 1024 * 1024;
    const masters = [
      { node: '127.0.0.1:7001', usedMemoryBytes: 10 * mb, maxmemoryBytes: 100 * mb, instantaneousOpsPerSec: 100, keys: 10 },
      { node: '127.0.0.1:7002', usedMemoryBytes: 92 * mb, maxmemoryBytes: 100 * mb, instantaneousOpsPerSec: 300, keys: 90 },
      { node: '127.0.0.1:7003', usedMemoryBytes: 18 * mb, maxmemoryBytes: 100 * mb, instantaneousOpsPerSec: 100, keys: 20 },
    ];
    const cluster = { ...cur, redis: { ...cur.redis!, nodes: 3, usedMemoryBytes: 120 * mb, maxmemoryBytes: 300 * mb, masters } };
    const text = renderDashboard(cluster, { columns: 80, rows: 24 }, { prev, intervalMs: 2000 });
    expect(text).toContain('92.00M/100.00M 92% max');
    expect(text).not.toContain('40%');
    expect(renderLine(cluster, prev)).toContain('92%');
  });

  it('uses the room of 120×40: wider bars, a taller confidence histogram', async () => {
    const text = renderDashboard(cur, { columns: 120, rows: 40 }, { prev, intervalMs: 2000 });
    expectFits(text, 120, 40);
    await expect(text).toMatchFileSnapshot('./__snapshots__/dashboard-120x40.txt');
    expect(text).toContain('confidence\n'.trim());
    expect(text).not.toContain('confidence 0 ');
  });

  it('stacks the panels on a narrow terminal and never exceeds the size', () => {
    const text = renderDashboard(cur, { columns: 60, rows: 20 }, { prev });
    expectFits(text, 60, 20);
    expect(lines(text).at(-1)).toContain('q quit');
  });

  it('keeps the top and the footer on a terminal shorter than 24 rows', () => {
    const text = renderDashboard(cur, { columns: 80, rows: 12 }, { prev });
    expectFits(text, 80, 12);
    expect(lines(text)[0]).toContain('launchctl watch');
    expect(lines(text).at(-1)).toContain('q quit');
  });

  it('never prints wider than a tiny terminal', () => {
    expectFits(renderDashboard(cur, { columns: 12, rows: 5 }, { prev }), 12, 5);
  });

  it('says "reconnecting" with the cause and how long, instead of numbers', () => {
    const text = renderDashboard(reconnectingSnapshot(), { columns: 80, rows: 24 });
    expectFits(text, 80, 24);
    expect(text).toContain('reconnecting…');
    expect(text).toContain('ECONNREFUSED for 12.0s');
    expect(text).toContain('waiting for Redis');
  });

  it('keeps the last values, marked "as of", while reconnecting when it has them', () => {
    const text = renderDashboard(reconnectingSnapshot(), { columns: 80, rows: 24 }, { lastConnected: launchDaySnapshot() });
    expectFits(text, 80, 24);
    expect(text).toContain('reconnecting…');
    expect(text).toContain('ENGAGEMENT as of 10:14:04');
    expect(text).toContain('length 12,345');
    expect(text).toContain('WARM as of 10:14:04');
    expect(text).not.toContain('waiting for Redis');
  });

  it('shows PAUSED in the footer', () => {
    expect(lines(renderDashboard(cur, { columns: 80, rows: 24 }, { paused: true })).at(-1)).toContain('PAUSED');
  });

  it('keeps the width with colours on (ANSI codes take no cells)', () => {
    const text = renderDashboard(cur, { columns: 80, rows: 24 }, { prev, paint: makePaint(true) });
    expect(text).toContain('\x1b[31m'); // evictions and the OOM rejection are red
    expectFits(text, 80, 24);
  });

  it('shows a Product Hunt outage in its panel only', () => {
    const s = nextSnapshot(prev);
    s.productHunt = { ...s.productHunt!, state: 'error', message: 'Product Hunt API: token rejected (401)' };
    const text = renderDashboard(s, { columns: 80, rows: 24 }, { prev });
    expect(text).toContain('token rejected');
    expect(text).toContain('ops/s 3,410');
  });

  it('says where to configure Product Hunt when it is not', () => {
    const s = nextSnapshot(prev);
    s.productHunt = null;
    expect(renderDashboard(s, { columns: 80, rows: 24 })).toContain('not configured');
  });
});

describe('line mode', () => {
  it('prints a two-row header whose groups line up with the columns', () => {
    const [groups, names] = lines(renderLineHeader());
    expect(groups).toMatch(/^-+ launch -+ -+ redis -+ /);
    expect(names).toMatch(/^time\s+clock\s+mem/);
    const cur = renderLine(nextSnapshot(launchDaySnapshot()), launchDaySnapshot());
    expect(cur.length).toBeLessThanOrEqual(groups!.length);
  });

  it('prints one compact line per refresh with rates from the previous one', () => {
    const prev = launchDaySnapshot();
    expect(renderLine(nextSnapshot(prev), prev)).toMatchInlineSnapshot(
      `"10:14:06 T+2h 13m    412.00M   40%   3,410  95.0%   14     2    1  0.42ms   12,385   20.0     12      3     0   4,821     900    5/6    312   ~3"`,
    );
  });

  it('prints a reconnecting line while Redis is away', () => {
    expect(renderLine(reconnectingSnapshot())).toBe('10:14:04 reconnecting to redis://:****@redis.acme.example:6379 (ECONNREFUSED, 12.0s)');
  });
});

describe('columnChart', () => {
  it('draws vertical bars with eighth-block tops', () => {
    expect(columnChart([0, 4, 8], 2, 1)).toEqual(['  █', ' ██']);
    expect(columnChart([1, 8], 1, 2)).toEqual(['▁▁██']);
  });
});
