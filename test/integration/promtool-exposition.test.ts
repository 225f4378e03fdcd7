// The exposition passes Prometheus' own linter: `promtool check metrics` reads
// it from stdin and prints nothing (exit 0) when every name, type, help text
// and histogram is as Prometheus expects.
import { describe, expect, it } from 'vitest';
import { renderExposition } from '../../src/domain/metrics/exposition.js';
import { emptySnapshot } from '../../src/domain/metrics/snapshot.js';
import { clusterSnapshot, fullSnapshot } from '../fixtures/metrics-snapshots.js';
import { missingBinaries, runPromtool } from '../helpers/prometheus.js';

describe.skipIf(missingBinaries('promtool'))('promtool check metrics', () => {
  it.each([
    ['a full snapshot', fullSnapshot()],
    ['a cluster', clusterSnapshot()],
    ['Redis down', { ...fullSnapshot(), up: false }],
    ['nothing known', emptySnapshot('0.1.0')],
  ])('%s: no finding, exit 0', async (_name, snapshot) => {
    const result = await runPromtool(['check', 'metrics'], await renderExposition(snapshot));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('would report a mistake (the check is live)', async () => {
    const bad = (await renderExposition(fullSnapshot())).replaceAll('launchctl_dead_letters', 'launchctl_dead_letters_total');
    const result = await runPromtool(['check', 'metrics'], bad);
    expect(result.stdout + result.stderr).toMatch(/_total/);
    expect(result.code).not.toBe(0);
  });
});
