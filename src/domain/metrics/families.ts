// The metric families `launchctl metrics` exposes (issue 12's contract), in one
// list: the exposition registers exactly these, the Grafana dashboard and the
// alert rules may reference only these, and docs/metrics.md documents them.
// Pure data; no prom-client here, so anything may import it cheaply.

export const METRIC_PREFIX = 'launchctl_';

export type FamilyType = 'gauge' | 'counter' | 'histogram';

export interface FamilySpec {
  readonly type: FamilyType;
  /** Label names (besides `le` on histograms). */
  readonly labels: readonly string[];
  /** What the value is and where it comes from: what a human reads in `# HELP`. */
  readonly help: string;
}

/**
 * The probe histogram's upper bounds (seconds): 5 ms steps up to 50 ms, where
 * the seed article's p99 alert sits, then a coarse tail so a slow origin is
 * still measured without unbounded buckets.
 */
export const PROBE_BUCKETS_S = [0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.045, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;

/**
 * The conversion confidence buckets: the consumer's counters keep ten bins
 * `[i/10, (i+1)/10)` (the last one also holds 1.0); bin i is exposed as
 * `le="(i+1)/10"`.
 */
export const CONFIDENCE_BUCKETS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1] as const;

/** Every family, keyed by its full name. Order is the exposition order. */
export const FAMILIES = {
  launchctl_up: {
    type: 'gauge',
    labels: [],
    help: '1 when this scrape could read Redis, 0 when Redis was unreachable or did not answer (the Redis-derived families are then absent).',
  },
  launchctl_scrape_duration_seconds: {
    type: 'gauge',
    labels: [],
    help: 'Seconds this scrape took to collect every value (Redis reads and, with --probe, the probes).',
  },
  launchctl_build_info: {
    type: 'gauge',
    labels: ['version'],
    help: 'Always 1; the version label is the launchctl version serving these metrics.',
  },
  launchctl_launch_t0_timestamp_seconds: {
    type: 'gauge',
    labels: [],
    help: 'Launch time launch.t0 from the config, in Unix seconds.',
  },
  launchctl_launch_phase: {
    type: 'gauge',
    labels: ['phase'],
    help: 'Launch phase from launch.t0 and the clock: 1 for the current phase (T-7, T-1, T-0, T+1), 0 for the others.',
  },
  launchctl_warm_last_run_timestamp_seconds: {
    type: 'gauge',
    labels: [],
    help: 'When the last `launchctl warm` run finished, in Unix seconds.',
  },
  launchctl_warm_paths: {
    type: 'gauge',
    labels: ['result'],
    help: 'Paths of the last `launchctl warm` run by result: warmed, skipped (marker already set) or failed.',
  },
  launchctl_warm_success_ratio: {
    type: 'gauge',
    labels: [],
    help: 'Success ratio (0..1) of the last `launchctl warm` run, compared with thresholds.warmupSuccessRate.',
  },
  launchctl_warm_markers: {
    type: 'gauge',
    labels: ['state'],
    help: 'Launch paths whose Redis warm marker (cache:<path>) is alive or missing, from one PTTL per launch path.',
  },
  launchctl_probe_duration_seconds: {
    type: 'histogram',
    labels: ['path'],
    help: 'Seconds of the GETs of the launch paths made during this scrape (--probe); counts cover this scrape only, so aggregate with sum_over_time, not rate.',
  },
  launchctl_probe_success: {
    type: 'gauge',
    labels: ['path'],
    help: '1 when this scrape\'s GET of the launch path answered 2xx or 3xx, 0 otherwise (--probe).',
  },
  launchctl_stream_length: {
    type: 'gauge',
    labels: ['stream'],
    help: 'Entries in today\'s and yesterday\'s engagement day streams (XINFO STREAM length).',
  },
  launchctl_stream_group_lag: {
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Entries of the day stream not yet delivered to the consumer group (XINFO GROUPS lag).',
  },
  launchctl_stream_group_pending: {
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Entries delivered to the consumer group but not acked yet (XINFO GROUPS pending).',
  },
  launchctl_stream_group_consumers: {
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Consumers registered in the consumer group (XINFO GROUPS consumers), idle ones included.',
  },
  launchctl_stream_group_oldest_pending_age_seconds: {
    type: 'gauge',
    labels: ['stream', 'group'],
    help: 'Age in seconds of the oldest entry delivered to the group and not acked (0 when none is pending).',
  },
  launchctl_dead_letters: {
    type: 'gauge',
    labels: [],
    help: 'Entries in the dead-letter stream stream:engagement:dead (XLEN): events the consumer rejected.',
  },
  launchctl_engagement_events_applied_total: {
    type: 'counter',
    labels: [],
    help: 'Engagement events the consumer applied to conversion state, from the consumer\'s counters hash.',
  },
  launchctl_engagement_dead_lettered_total: {
    type: 'counter',
    labels: [],
    help: 'Engagement events the consumer sent to the dead-letter stream, from the consumer\'s counters hash.',
  },
  launchctl_conversion_users: {
    type: 'gauge',
    labels: ['variant'],
    help: 'Users per conversion variant (default, pricing, video), from the consumer\'s counters hash.',
  },
  launchctl_conversion_confidence: {
    type: 'histogram',
    labels: [],
    help: 'Users by conversion confidence (0..1), from the consumer\'s counters; a bucket le="x" counts confidences below x (1.0 included in le="1"); users move between buckets, so read it as it is, never through rate().',
  },
  launchctl_redis_memory_used_bytes: {
    type: 'gauge',
    labels: ['node'],
    help: 'Bytes Redis uses (INFO memory used_memory); node names the cluster node.',
  },
  launchctl_redis_memory_max_bytes: {
    type: 'gauge',
    labels: ['node'],
    help: 'Redis maxmemory in bytes (INFO memory maxmemory); 0 means no limit.',
  },
  launchctl_redis_evicted_keys_total: {
    type: 'counter',
    labels: ['node'],
    help: 'Keys Redis evicted to stay under maxmemory since it started (INFO stats evicted_keys).',
  },
  launchctl_redis_keyspace_hits_total: {
    type: 'counter',
    labels: ['node'],
    help: 'Successful key lookups since Redis started (INFO stats keyspace_hits).',
  },
  launchctl_redis_keyspace_misses_total: {
    type: 'counter',
    labels: ['node'],
    help: 'Failed key lookups since Redis started (INFO stats keyspace_misses).',
  },
  launchctl_redis_commands_total: {
    type: 'counter',
    labels: ['node', 'cmd'],
    help: 'Commands Redis ran since it started, by command (INFO commandstats calls; subcommands as client_id).',
  },
  launchctl_redis_errors_total: {
    type: 'counter',
    labels: ['node', 'err'],
    help: 'Error replies Redis sent since it started, by error code such as OOM or NOSCRIPT (INFO errorstats).',
  },
  launchctl_producthunt_votes: {
    type: 'gauge',
    labels: [],
    help: 'Votes of the launch post, from the shared Product Hunt cache in Redis.',
  },
  launchctl_producthunt_comments: {
    type: 'gauge',
    labels: [],
    help: 'Comments on the launch post, from the shared Product Hunt cache in Redis.',
  },
  launchctl_producthunt_rank: {
    type: 'gauge',
    labels: [],
    help: 'Rank of the launch post on today\'s Product Hunt leaderboard (1 = first), from the shared cache.',
  },
  launchctl_producthunt_ratelimit_remaining: {
    type: 'gauge',
    labels: [],
    help: 'Product Hunt API requests left in the current rate-limit window, shared by every launchctl on this Redis.',
  },
  launchctl_producthunt_ratelimit_limit: {
    type: 'gauge',
    labels: [],
    help: 'Product Hunt API requests allowed per rate-limit window.',
  },
  launchctl_producthunt_last_fetch_timestamp_seconds: {
    type: 'gauge',
    labels: [],
    help: 'When the shared Product Hunt cache was last filled from the API, in Unix seconds.',
  },
} as const satisfies Record<string, FamilySpec>;

export type FamilyName = keyof typeof FAMILIES;

export const FAMILY_NAMES = Object.keys(FAMILIES) as FamilyName[];

/**
 * The series names a family exposes: itself, or for a histogram its
 * `_bucket`, `_sum` and `_count` series. What a PromQL expression may name.
 */
export function familySeriesNames(name: FamilyName): string[] {
  return FAMILIES[name].type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}
