import { describe, expect, it } from 'vitest';
import { CONFIDENCE_BUCKETS, FAMILIES, FAMILY_NAMES, METRIC_PREFIX, PROBE_BUCKETS_S } from './families.js';

// Issue 12's table, written out once more: changing the contract is a decision.
const CONTRACT = [
  'up', 'scrape_duration_seconds', 'build_info',
  'launch_t0_timestamp_seconds', 'launch_phase',
  'warm_last_run_timestamp_seconds', 'warm_paths', 'warm_success_ratio', 'warm_markers',
  'probe_duration_seconds', 'probe_success',
  'stream_length', 'stream_group_lag', 'stream_group_pending', 'stream_group_consumers', 'stream_group_oldest_pending_age_seconds',
  'dead_letters', 'engagement_events_applied_total', 'engagement_dead_lettered_total',
  'conversion_users', 'conversion_confidence',
  'redis_memory_used_bytes', 'redis_memory_max_bytes', 'redis_evicted_keys_total', 'redis_keyspace_hits_total', 'redis_keyspace_misses_total',
  'redis_commands_total', 'redis_errors_total',
  'producthunt_votes', 'producthunt_comments', 'producthunt_rank', 'producthunt_ratelimit_remaining', 'producthunt_ratelimit_limit', 'producthunt_last_fetch_timestamp_seconds',
];

describe('FAMILIES', () => {
  it('are the families of the contract, with the launchctl_ prefix', () => {
    expect([...FAMILY_NAMES].sort()).toEqual(CONTRACT.map((n) => `${METRIC_PREFIX}${n}`).sort());
  });

  it('follow the Prometheus naming rules: _total only on counters, base units', () => {
    for (const name of FAMILY_NAMES) {
      const spec = FAMILIES[name];
      expect(name.endsWith('_total'), name).toBe(spec.type === 'counter');
      expect(name, name).not.toMatch(/_(ms|milliseconds|kb|mb|percent)(_|$)/);
    }
  });

  it('have only bounded labels: never a user id, a URL or a key name other than the day stream', () => {
    const labels = new Set(FAMILY_NAMES.flatMap((n) => [...FAMILIES[n].labels]));
    expect([...labels].sort()).toEqual(['cmd', 'err', 'group', 'node', 'path', 'phase', 'result', 'state', 'stream', 'variant', 'version']);
  });

  it('probe buckets step by 5 ms up to 50 ms, then a bounded tail; confidence buckets are 0.1 .. 1', () => {
    expect(PROBE_BUCKETS_S.slice(0, 10).map((b) => Math.round(b * 1000))).toEqual([5, 10, 15, 20, 25, 30, 35, 40, 45, 50]);
    expect(PROBE_BUCKETS_S.at(-1)).toBe(5);
    expect([...CONFIDENCE_BUCKETS]).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
  });
});
