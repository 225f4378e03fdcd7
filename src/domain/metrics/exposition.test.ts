import { describe, expect, it } from 'vitest';
import { clusterSnapshot, fullSnapshot } from '../../../test/fixtures/metrics-snapshots.js';
import { parseExposition, samplesOf, valueOf } from '../../../test/helpers/exposition.js';
import { CONFIDENCE_BUCKETS, FAMILIES, FAMILY_NAMES, familySeriesNames, type FamilyName } from './families.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js';
import { confidenceFromCounters, emptySnapshot, type MetricsSnapshot } from './snapshot.js';

async function render(snapshot: MetricsSnapshot) {
  const text = await renderExposition(snapshot);
  return { text, parsed: parseExposition(text) };
}

const REDIS_FAMILIES = FAMILY_NAMES.filter(
  (n) => !['launchctl_up', 'launchctl_scrape_duration_seconds', 'launchctl_build_info', 'launchctl_launch_t0_timestamp_seconds', 'launchctl_launch_phase', 'launchctl_probe_duration_seconds', 'launchctl_probe_success'].includes(n),
);

describe('renderExposition: a full snapshot', () => {
  it('emits exactly the families of the contract, each with its type and a help text', async () => {
    const { parsed } = await render(fullSnapshot());
    expect([...parsed.types.keys()]).toEqual(FAMILY_NAMES);
    for (const name of FAMILY_NAMES) {
      expect(parsed.types.get(name), name).toBe(FAMILIES[name].type);
      expect(parsed.help.get(name)?.length, name).toBeGreaterThan(20);
    }
    const allowed = new Set(FAMILY_NAMES.flatMap((n) => familySeriesNames(n)));
    for (const s of parsed.samples) expect(allowed.has(s.name), s.name).toBe(true);
  });

  it('counters end in _total and nothing else does', async () => {
    const { parsed } = await render(fullSnapshot());
    for (const [name, type] of parsed.types) expect(name.endsWith('_total'), name).toBe(type === 'counter');
  });

  it('shows the values a user checks', async () => {
    const { text, parsed } = await render(fullSnapshot());
    expect(text).toContain('launchctl_up 1\n');
    expect(valueOf(parsed, 'launchctl_build_info', { version: '0.1.0' })).toBe(1);
    expect(valueOf(parsed, 'launchctl_launch_t0_timestamp_seconds')).toBe(1_796_716_860);
    expect(samplesOf(parsed, 'launchctl_launch_phase').map((s) => [s.labels.phase, s.value])).toEqual([
      ['T-7', 0],
      ['T-1', 1],
      ['T-0', 0],
      ['T+1', 0],
    ]);
    expect(valueOf(parsed, 'launchctl_warm_paths', { result: 'failed' })).toBe(2);
    expect(valueOf(parsed, 'launchctl_warm_success_ratio')).toBe(0.96);
    expect(valueOf(parsed, 'launchctl_warm_markers', { state: 'missing' })).toBe(4);
    expect(valueOf(parsed, 'launchctl_stream_length', { stream: 'stream:engagement:2026-12-07' })).toBe(50_000);
    expect(valueOf(parsed, 'launchctl_stream_group_lag', { stream: 'stream:engagement:2026-12-08', group: 'conversion' })).toBe(321);
    expect(valueOf(parsed, 'launchctl_stream_group_oldest_pending_age_seconds', { stream: 'stream:engagement:2026-12-08' })).toBe(4.5);
    expect(valueOf(parsed, 'launchctl_dead_letters')).toBe(6);
    expect(valueOf(parsed, 'launchctl_engagement_events_applied_total')).toBe(61_234);
    expect(valueOf(parsed, 'launchctl_conversion_users', { variant: 'video' })).toBe(75);
    expect(valueOf(parsed, 'launchctl_redis_memory_max_bytes')).toBe(1_073_741_824);
    expect(valueOf(parsed, 'launchctl_redis_commands_total', { cmd: 'client_id' })).toBe(2);
    expect(valueOf(parsed, 'launchctl_redis_errors_total', { err: 'OOM' })).toBe(3);
    expect(valueOf(parsed, 'launchctl_producthunt_rank')).toBe(3);
    // A standalone server: no node label anywhere.
    expect(parsed.samples.some((s) => 'node' in s.labels)).toBe(false);
  });

  it('renders the confidence histogram from pre-aggregated buckets: cumulative, +Inf equal to _count', async () => {
    const { parsed } = await render(fullSnapshot());
    const buckets = samplesOf(parsed, 'launchctl_conversion_confidence_bucket');
    expect(buckets.map((b) => b.labels.le)).toEqual([...CONFIDENCE_BUCKETS.map(String), '+Inf']);
    expect(buckets.map((b) => b.value)).toEqual([300, 500, 650, 775, 875, 965, 1045, 1115, 1175, 1225, 1225]);
    expect(valueOf(parsed, 'launchctl_conversion_confidence_count')).toBe(1225);
    // The counters keep no sum: no made-up _sum.
    expect(samplesOf(parsed, 'launchctl_conversion_confidence_sum')).toEqual([]);
  });

  it('exposes a known confidence sum', async () => {
    const snapshot = fullSnapshot();
    snapshot.conversion = { ...snapshot.conversion!, confidence: { counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 1], sum: 1.05, count: 2 } };
    const { parsed } = await render(snapshot);
    expect(valueOf(parsed, 'launchctl_conversion_confidence_sum')).toBe(1.05);
    expect(valueOf(parsed, 'launchctl_conversion_confidence_bucket', { le: '0.1' })).toBe(1);
    expect(valueOf(parsed, 'launchctl_conversion_confidence_bucket', { le: '0.9' })).toBe(1);
    expect(valueOf(parsed, 'launchctl_conversion_confidence_bucket', { le: '+Inf' })).toBe(2);
  });

  it('puts each probe in its 5 ms bucket, per path', async () => {
    const { parsed } = await render(fullSnapshot());
    const pricing = samplesOf(parsed, 'launchctl_probe_duration_seconds_bucket', { path: '/pricing' });
    expect(pricing.find((b) => b.labels.le === '0.01')?.value).toBe(0);
    expect(pricing.find((b) => b.labels.le === '0.015')?.value).toBe(1);
    expect(valueOf(parsed, 'launchctl_probe_duration_seconds_bucket', { path: '/', le: '0.005' })).toBe(1);
    expect(valueOf(parsed, 'launchctl_probe_duration_seconds_bucket', { path: '/blog', le: '0.25' })).toBe(0);
    expect(valueOf(parsed, 'launchctl_probe_duration_seconds_bucket', { path: '/blog', le: '0.5' })).toBe(1);
    expect(valueOf(parsed, 'launchctl_probe_duration_seconds_sum', { path: '/pricing' })).toBe(0.0123);
    expect(valueOf(parsed, 'launchctl_probe_success', { path: '/blog' })).toBe(0);
    expect(valueOf(parsed, 'launchctl_probe_success', { path: '/' })).toBe(1);
  });
});

describe('renderExposition: unknown values', () => {
  it('Redis down: up 0 and no Redis-derived family, even if the snapshot still holds values', async () => {
    const { text, parsed } = await render({ ...fullSnapshot(), up: false });
    expect(text).toContain('launchctl_up 0\n');
    for (const name of REDIS_FAMILIES) expect(parsed.types.has(name), name).toBe(false);
    // Config and HTTP probes do not need Redis.
    expect(parsed.types.has('launchctl_launch_phase')).toBe(true);
    expect(parsed.types.has('launchctl_probe_success')).toBe(true);
  });

  it('nothing known: only up, the scrape duration and build_info', async () => {
    const { parsed } = await render(emptySnapshot('1.2.3'));
    expect([...parsed.types.keys()]).toEqual(['launchctl_up', 'launchctl_scrape_duration_seconds', 'launchctl_build_info']);
    expect(valueOf(parsed, 'launchctl_up')).toBe(0);
  });

  it('leaves out an unknown sample rather than showing 0', async () => {
    const snapshot = fullSnapshot();
    snapshot.streams = [{ stream: 's', length: 3, groups: [{ group: 'g', lag: null, pending: 1, consumers: 1, oldestPendingAgeSeconds: null }] }];
    snapshot.productHunt = { ...snapshot.productHunt!, rank: null, votes: Number.NaN };
    const { parsed } = await render(snapshot);
    expect(parsed.types.has('launchctl_stream_group_lag')).toBe(false);
    expect(parsed.types.has('launchctl_stream_group_oldest_pending_age_seconds')).toBe(false);
    expect(valueOf(parsed, 'launchctl_stream_group_pending', { group: 'g' })).toBe(1);
    expect(parsed.types.has('launchctl_producthunt_rank')).toBe(false);
    expect(parsed.types.has('launchctl_producthunt_votes')).toBe(false);
    expect(valueOf(parsed, 'launchctl_producthunt_comments')).toBe(57);
  });

  it('leaves out a confidence histogram whose buckets do not match the contract', async () => {
    const snapshot = fullSnapshot();
    snapshot.conversion = { ...snapshot.conversion!, confidence: { counts: [1, 2, 3], sum: null, count: 6 } };
    const { parsed } = await render(snapshot);
    expect(parsed.types.has('launchctl_conversion_confidence')).toBe(false);
    expect(parsed.types.has('launchctl_conversion_users')).toBe(true);
  });
});

describe('renderExposition: labels', () => {
  it('a cluster: one sample per node, with a node label', async () => {
    const { parsed } = await render(clusterSnapshot());
    expect(samplesOf(parsed, 'launchctl_redis_memory_used_bytes').map((s) => s.labels)).toEqual([
      { node: '10.0.0.1:7000' },
      { node: '10.0.0.2:7001' },
      { node: '10.0.0.3:7002' },
    ]);
    expect(valueOf(parsed, 'launchctl_redis_commands_total', { node: '10.0.0.3:7002', cmd: 'get' })).toBe(3000);
    expect(samplesOf(parsed, 'launchctl_redis_errors_total')).toEqual([{ name: 'launchctl_redis_errors_total', labels: { node: '10.0.0.2:7001', err: 'OOM' }, value: 2 }]);
  });

  it('escapes quotes, backslashes and newlines in label values', async () => {
    const snapshot = fullSnapshot();
    const path = '/a "quoted"\\path\nnext';
    snapshot.probes = [{ path, durationSeconds: 0.02, success: true }];
    const { text, parsed } = await render(snapshot);
    expect(text).toContain('launchctl_probe_success{path="/a \\"quoted\\"\\\\path\\nnext"} 1');
    expect(valueOf(parsed, 'launchctl_probe_success', { path })).toBe(1);
    // Every line is still one sample or one comment: the newline did not split one.
    expect(text.split('\n').filter((l) => l.includes('quoted'))).toHaveLength(samplesOf(parsed, 'launchctl_probe_duration_seconds_bucket').length + 3);
  });

  it('uses only the label names of the contract: no URL, host or credential can be a label', async () => {
    const { text, parsed } = await render(clusterSnapshot());
    const allowed = new Set([...FAMILY_NAMES.flatMap((n: FamilyName) => FAMILIES[n].labels as readonly string[]), 'le']);
    for (const s of parsed.samples) for (const label of Object.keys(s.labels)) expect(allowed.has(label), `${s.name} ${label}`).toBe(true);
    expect(text).not.toMatch(/url|password|token|secret/i);
    expect(text).not.toMatch(/rediss?:\/\//);
  });
});

describe('confidenceFromCounters', () => {
  it('maps the ten counters bins to the ten buckets, without a sum', () => {
    expect(confidenceFromCounters([5, 0, 0, 0, 0, 0, 0, 0, 0, 2])).toEqual({ counts: [5, 0, 0, 0, 0, 0, 0, 0, 0, 2], sum: null, count: 7 });
    expect(confidenceFromCounters([])).toEqual({ counts: new Array(10).fill(0), sum: null, count: 0 });
  });
});

it('EXPOSITION_CONTENT_TYPE is the text format 0.0.4', () => {
  expect(EXPOSITION_CONTENT_TYPE).toBe('text/plain; version=0.0.4; charset=utf-8');
});
