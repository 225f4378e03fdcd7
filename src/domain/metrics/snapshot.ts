// The plain data one scrape collects (issue 12): the collector fills it, the
// exposition renders it. `null` means "unknown": the family (or the one sample)
// is left out of the exposition rather than shown as a made-up 0. The snapshot
// carries values only, never the Redis URL or a token, so no secret can reach
// the exposition.
import type { Phase } from '../launch/phase.js';
import type { Variant } from '../state/state-value.js';
import { CONFIDENCE_BUCKETS } from './families.js';

/** A histogram read from elsewhere: counts per bucket, not cumulative. */
export interface BucketCounts {
  /**
   * `counts[i]` observations fall in bucket i (upper bound `bounds[i]`, above
   * the previous bound); the length is the family's bucket count. Observations
   * above the last bound count only in `count`.
   */
  counts: readonly number[];
  /** Sum of the observations, or null when the source does not keep one (`_sum` is then omitted). */
  sum: number | null;
  /** Observations in all, at least the sum of `counts`. */
  count: number;
}

export interface ProbeObservation {
  /** A launch path from the config (never a URL with a query or a host). */
  path: string;
  durationSeconds: number;
  /** The GET answered 2xx or 3xx. */
  success: boolean;
}

export interface StreamGroupSample {
  group: string;
  /** XINFO GROUPS `lag`; null when Redis cannot tell (it answers nil after some deletions). */
  lag: number | null;
  pending: number;
  consumers: number;
  /** Age of the oldest pending entry (s), 0 when none is pending, null when unknown. */
  oldestPendingAgeSeconds: number | null;
}

export interface StreamSample {
  /** The day stream's key, e.g. `stream:engagement:2026-12-08` (with the key prefix). */
  stream: string;
  length: number;
  groups: readonly StreamGroupSample[];
}

/** One Redis node's INFO (one entry for a standalone server). */
export interface RedisNodeSample {
  /** `host:port` of the cluster node; null on a standalone server (no `node` label). */
  node: string | null;
  usedMemory: number;
  /** maxmemory in bytes; 0 means no limit. */
  maxMemory: number;
  evictedKeys: number;
  hits: number;
  misses: number;
  /** Calls per command, from `parseCommandStats`. */
  commands: Readonly<Record<string, number>>;
  /** Error replies per error code, from `parseErrorStats`. */
  errors: Readonly<Record<string, number>>;
}

export interface WarmRunSample {
  finishedAtSeconds: number;
  warmed: number;
  skipped: number;
  failed: number;
  /** 0..1; null when the run had no path to warm. */
  successRatio: number | null;
}

export interface ProductHuntSample {
  votes: number | null;
  comments: number | null;
  /** 1 = first; null when the post is not on today's leaderboard. */
  rank: number | null;
  ratelimitRemaining: number | null;
  ratelimitLimit: number | null;
  lastFetchSeconds: number | null;
}

export interface MetricsSnapshot {
  /** launchctl's version (build_info). */
  version: string;
  /** Seconds the scrape took to collect this snapshot. */
  scrapeDurationSeconds: number;
  /**
   * Redis answered this scrape. When false, every Redis-derived family is left
   * out whatever the fields below hold (warm, markers, streams, dead letters,
   * engagement, conversion, redis, Product Hunt).
   */
  up: boolean;
  /** From the config. */
  launch: { t0Seconds: number; phase: Phase } | null;
  /** The last `warm` run; null when none is recorded. */
  warm: WarmRunSample | null;
  /** One PTTL per launch path. */
  warmMarkers: { alive: number; missing: number } | null;
  /** This scrape's probes (`--probe`); null without `--probe`. */
  probes: readonly ProbeObservation[] | null;
  /** Today's and yesterday's day streams (those that exist). */
  streams: readonly StreamSample[] | null;
  deadLetters: number | null;
  /** The consumer's counters. */
  engagement: { eventsApplied: number; deadLettered: number } | null;
  conversion: { users: Readonly<Record<Variant, number>>; confidence: BucketCounts } | null;
  /** One entry per node (one for a standalone server). */
  redis: readonly RedisNodeSample[] | null;
  productHunt: ProductHuntSample | null;
}

/** A snapshot where nothing is known but the version: what a scrape starts from. */
export function emptySnapshot(version: string): MetricsSnapshot {
  return {
    version,
    scrapeDurationSeconds: 0,
    up: false,
    launch: null,
    warm: null,
    warmMarkers: null,
    probes: null,
    streams: null,
    deadLetters: null,
    engagement: null,
    conversion: null,
    redis: null,
    productHunt: null,
  };
}

/**
 * The confidence histogram from the consumer's counters (`hist:0..hist:9`,
 * `CountersSummary.histogram`): bin i becomes the bucket `le="(i+1)/10"`. The
 * counters keep no sum of confidences, so `_sum` is left out.
 */
export function confidenceFromCounters(histogram: readonly number[]): BucketCounts {
  const counts = CONFIDENCE_BUCKETS.map((_, i) => histogram[i] ?? 0);
  return { counts, sum: null, count: counts.reduce((a, b) => a + b, 0) };
}
