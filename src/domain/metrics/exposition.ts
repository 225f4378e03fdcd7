// Renders a MetricsSnapshot as the Prometheus text exposition (issue 12). A
// fresh prom-client Registry per call, never the global one and no default
// metrics: the output is exactly the families of families.ts for which the
// snapshot knows a value. Only this module (and only domain/metrics) imports
// prom-client, so `--help` never loads it.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PHASES, phaseLabel } from '../launch/phase.js';
import { VARIANTS } from '../state/state-value.js';
import { CONFIDENCE_BUCKETS, FAMILIES, PROBE_BUCKETS_S, type FamilyName } from './families.js';
import type { BucketCounts, MetricsSnapshot, RedisNodeSample } from './snapshot.js';

/** The Content-Type of what renderExposition returns (text format 0.0.4). */
export const EXPOSITION_CONTENT_TYPE: string = Registry.PROMETHEUS_CONTENT_TYPE;


type Labels = Record<string, string>;
interface Sample {
  labels: Labels;
  value: number | null | undefined;
}

/** Only known, finite values: a NaN from a parse slip must not become a sample. */
function known(samples: readonly Sample[]): { labels: Labels; value: number }[] {
  return samples.filter((s): s is { labels: Labels; value: number } => typeof s.value === 'number' && Number.isFinite(s.value));
}

function config(name: FamilyName, registry: Registry) {
  const spec = FAMILIES[name];
  return { name, help: spec.help, labelNames: [...spec.labels] as string[], registers: [registry] };
}

function addGauge(registry: Registry, name: FamilyName, samples: readonly Sample[]): void {
  const values = known(samples);
  if (values.length === 0) return;
  const gauge = new Gauge(config(name, registry));
  for (const s of values) gauge.set(s.labels, s.value);
}

/**
 * Counters read from elsewhere (Redis INFO, the consumer's counters): one
 * `inc(value)` on a counter of this call's fresh registry exposes exactly the
 * value read. A negative value cannot be a counter; it is left out.
 */
function addCounter(registry: Registry, name: FamilyName, samples: readonly Sample[]): void {
  const values = known(samples).filter((s) => s.value >= 0);
  if (values.length === 0) return;
  const counter = new Counter(config(name, registry));
  for (const s of values) counter.inc(s.labels, s.value);
}

/**
 * A histogram whose buckets were counted elsewhere. prom-client's Histogram can
 * only observe one value at a time (millions of users would mean millions of
 * calls), so this one answers the registry with the bucket series itself, in
 * the shape prom-client's own histogram gives (cumulative `le` buckets, `+Inf`
 * equal to `_count`, then `_sum` and `_count`).
 */
class BucketCountsHistogram extends Histogram {
  readonly #family: FamilyName;
  readonly #series: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];

  constructor(name: FamilyName, registry: Registry, bounds: readonly number[], data: BucketCounts) {
    super({ ...config(name, registry), buckets: [...bounds] });
    this.#family = name;
    let cumulative = 0;
    bounds.forEach((le, i) => {
      cumulative += data.counts[i] ?? 0;
      this.#series.push({ labels: { le }, value: cumulative, metricName: `${name}_bucket` });
    });
    const count = Math.max(cumulative, data.count);
    this.#series.push({ labels: { le: '+Inf' }, value: count, metricName: `${name}_bucket` });
    if (data.sum !== null && Number.isFinite(data.sum)) this.#series.push({ labels: {}, value: data.sum, metricName: `${name}_sum` });
    this.#series.push({ labels: {}, value: count, metricName: `${name}_count` });
  }

  /**
   * What prom-client's Registry reads to render the text format (and what the
   * inherited get() reshapes for JSON): the same fields its Histogram returns.
   */
  getForPromString() {
    const values = this.#series.map((s) => ({ ...s, labels: { ...s.labels }, sharedLabels: {} }));
    return Promise.resolve({ name: this.#family, help: FAMILIES[this.#family].help, type: 'histogram', values, aggregator: 'sum' });
  }
}

function validCounts(data: BucketCounts, buckets: number): boolean {
  return (
    data.counts.length === buckets &&
    data.counts.every((n) => Number.isFinite(n) && n >= 0) &&
    Number.isFinite(data.count) &&
    data.count >= data.counts.reduce((a, b) => a + b, 0)
  );
}

/** The exposition text of one scrape. */
export async function renderExposition(snapshot: MetricsSnapshot): Promise<string> {
  const registry = new Registry();
  const s = snapshot;

  addGauge(registry, 'launchctl_up', [{ labels: {}, value: s.up ? 1 : 0 }]);
  addGauge(registry, 'launchctl_scrape_duration_seconds', [{ labels: {}, value: s.scrapeDurationSeconds }]);
  addGauge(registry, 'launchctl_build_info', [{ labels: { version: s.version }, value: 1 }]);

  if (s.launch) {
    const { t0Seconds, phase } = s.launch;
    addGauge(registry, 'launchctl_launch_t0_timestamp_seconds', [{ labels: {}, value: t0Seconds }]);
    addGauge(registry, 'launchctl_launch_phase', PHASES.map((p) => ({ labels: { phase: phaseLabel(p) }, value: p === phase ? 1 : 0 })));
  }

  // Every family below comes from Redis: a down Redis leaves them all out, so
  // a stale or partial value never looks current.
  const redisUp = s.up;

  if (redisUp && s.warm) {
    const w = s.warm;
    addGauge(registry, 'launchctl_warm_last_run_timestamp_seconds', [{ labels: {}, value: w.finishedAtSeconds }]);
    addGauge(registry, 'launchctl_warm_paths', [
      { labels: { result: 'warmed' }, value: w.warmed },
      { labels: { result: 'skipped' }, value: w.skipped },
      { labels: { result: 'failed' }, value: w.failed },
    ]);
    addGauge(registry, 'launchctl_warm_success_ratio', [{ labels: {}, value: w.successRatio }]);
  }
  if (redisUp && s.warmMarkers) {
    addGauge(registry, 'launchctl_warm_markers', [
      { labels: { state: 'alive' }, value: s.warmMarkers.alive },
      { labels: { state: 'missing' }, value: s.warmMarkers.missing },
    ]);
  }

  // Probes are HTTP, not Redis: they are exposed whether Redis answered or not.
  const probes = (s.probes ?? []).filter((p) => Number.isFinite(p.durationSeconds) && p.durationSeconds >= 0);
  if (probes.length > 0) {
    const histogram = new Histogram({ ...config('launchctl_probe_duration_seconds', registry), buckets: [...PROBE_BUCKETS_S] });
    const success = new Map<string, number>();
    for (const p of probes) {
      histogram.observe({ path: p.path }, p.durationSeconds);
      // A path probed twice is up only when both GETs succeeded.
      success.set(p.path, Math.min(success.get(p.path) ?? 1, p.success ? 1 : 0));
    }
    addGauge(registry, 'launchctl_probe_success', [...success].map(([path, value]) => ({ labels: { path }, value })));
  }

  if (redisUp && s.streams) {
    const streams = s.streams;
    const groups = streams.flatMap((st) => st.groups.map((g) => ({ labels: { stream: st.stream, group: g.group }, g })));
    addGauge(registry, 'launchctl_stream_length', streams.map((st) => ({ labels: { stream: st.stream }, value: st.length })));
    addGauge(registry, 'launchctl_stream_group_lag', groups.map(({ labels, g }) => ({ labels, value: g.lag })));
    addGauge(registry, 'launchctl_stream_group_pending', groups.map(({ labels, g }) => ({ labels, value: g.pending })));
    addGauge(registry, 'launchctl_stream_group_consumers', groups.map(({ labels, g }) => ({ labels, value: g.consumers })));
    addGauge(registry, 'launchctl_stream_group_oldest_pending_age_seconds', groups.map(({ labels, g }) => ({ labels, value: g.oldestPendingAgeSeconds })));
  }
  if (redisUp) addGauge(registry, 'launchctl_dead_letters', [{ labels: {}, value: s.deadLetters }]);

  if (redisUp && s.engagement) {
    addCounter(registry, 'launchctl_engagement_events_applied_total', [{ labels: {}, value: s.engagement.eventsApplied }]);
    addCounter(registry, 'launchctl_engagement_dead_lettered_total', [{ labels: {}, value: s.engagement.deadLettered }]);
  }

  if (redisUp && s.conversion) {
    const { users, confidence } = s.conversion;
    addGauge(registry, 'launchctl_conversion_users', VARIANTS.map((variant) => ({ labels: { variant }, value: users[variant] })));
    if (validCounts(confidence, CONFIDENCE_BUCKETS.length)) {
      new BucketCountsHistogram('launchctl_conversion_confidence', registry, CONFIDENCE_BUCKETS, confidence);
    }
  }

  if (redisUp && s.redis && s.redis.length > 0) {
    const nodes = s.redis.map((n): { n: RedisNodeSample; labels: Labels } => ({ n, labels: n.node === null ? {} : { node: n.node } }));
    addGauge(registry, 'launchctl_redis_memory_used_bytes', nodes.map(({ n, labels }) => ({ labels, value: n.usedMemory })));
    addGauge(registry, 'launchctl_redis_memory_max_bytes', nodes.map(({ n, labels }) => ({ labels, value: n.maxMemory })));
    addCounter(registry, 'launchctl_redis_evicted_keys_total', nodes.map(({ n, labels }) => ({ labels, value: n.evictedKeys })));
    addCounter(registry, 'launchctl_redis_keyspace_hits_total', nodes.map(({ n, labels }) => ({ labels, value: n.hits })));
    addCounter(registry, 'launchctl_redis_keyspace_misses_total', nodes.map(({ n, labels }) => ({ labels, value: n.misses })));
    addCounter(
      registry,
      'launchctl_redis_commands_total',
      nodes.flatMap(({ n, labels }) => Object.entries(n.commands).map(([cmd, value]) => ({ labels: { ...labels, cmd }, value }))),
    );
    addCounter(
      registry,
      'launchctl_redis_errors_total',
      nodes.flatMap(({ n, labels }) => Object.entries(n.errors).map(([err, value]) => ({ labels: { ...labels, err }, value }))),
    );
  }

  if (redisUp && s.productHunt) {
    const ph = s.productHunt;
    addGauge(registry, 'launchctl_producthunt_votes', [{ labels: {}, value: ph.votes }]);
    addGauge(registry, 'launchctl_producthunt_comments', [{ labels: {}, value: ph.comments }]);
    addGauge(registry, 'launchctl_producthunt_rank', [{ labels: {}, value: ph.rank }]);
    addGauge(registry, 'launchctl_producthunt_ratelimit_remaining', [{ labels: {}, value: ph.ratelimitRemaining }]);
    addGauge(registry, 'launchctl_producthunt_ratelimit_limit', [{ labels: {}, value: ph.ratelimitLimit }]);
    addGauge(registry, 'launchctl_producthunt_last_fetch_timestamp_seconds', [{ labels: {}, value: ph.lastFetchSeconds }]);
  }

  return registry.metrics();
}

/** The exporter's own Node.js process metrics (`--process-metrics`), as prom-client's default collectors give them. */
export interface ProcessMetrics {
  metrics(): Promise<string>;
}

export function createProcessMetrics(): ProcessMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'launchctl_' });
  return { metrics: () => registry.metrics() };
}

/** What `checklist --push` sends: the run's verdict, for CI jobs that live for seconds. */
export interface ChecklistPushInput {
  phase: string;
  passed: boolean;
  /** Epoch ms the run finished. */
  finishedAtMs: number;
  checks: readonly { id: string; status: 'pass' | 'warn' | 'fail' | 'skip' }[];
}

const CHECK_STATUSES = ['pass', 'warn', 'fail', 'skip'] as const;

/** The checklist families (docs/metrics.md): bounded labels, the check ids and four statuses. */
export async function renderChecklistExposition(input: ChecklistPushInput): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[] = []) => new Gauge({ name, help, labelNames, registers: [registry] });
  gauge('launchctl_checklist_last_run_timestamp_seconds', 'When the last `launchctl checklist` run finished (Unix seconds).').set(input.finishedAtMs / 1000);
  gauge('launchctl_checklist_passed', '1 when the last checklist run passed (nothing failed; with --strict nothing warned), 0 otherwise.', ['phase']).set({ phase: input.phase }, input.passed ? 1 : 0);
  const counts = gauge('launchctl_checklist_checks', 'Checks of the last run per status (pass, warn, fail, skip).', ['phase', 'status']);
  for (const status of CHECK_STATUSES) counts.set({ phase: input.phase, status }, input.checks.filter((c) => c.status === status).length);
  const each = gauge('launchctl_checklist_check_status', '1 for the status each check of the last run had (see `launchctl checklist --list`), 0 for the others.', ['check', 'status']);
  for (const c of input.checks) for (const status of CHECK_STATUSES) each.set({ check: c.id, status }, c.status === status ? 1 : 0);
  return registry.metrics();
}
