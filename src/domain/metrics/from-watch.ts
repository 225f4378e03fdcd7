// The metrics are a second renderer of the snapshot `watch` collects (with the
// collector's `extended` reads): this maps one WatchSnapshot to the
// MetricsSnapshot the exposition renders. Pure.
import type { LaunchConfig } from '../../config/schema.js';
import type { WatchSnapshot } from '../watch/snapshot.js';
import { confidenceFromCounters, type MetricsSnapshot, type ProbeObservation } from './snapshot.js';

export interface ToMetricsOptions {
  version: string;
  config: LaunchConfig;
  scrapeDurationSeconds: number;
  /** This scrape's probes (--probe), or null. */
  probes: readonly ProbeObservation[] | null;
}

const seconds = (ms: number) => Math.round(ms) / 1000;

export function toMetricsSnapshot(w: WatchSnapshot, o: ToMetricsOptions): MetricsSnapshot {
  const ext = w.extended;
  const up = w.redis !== null;
  const t0 = w.launch.t0;
  const lastRun = ext?.warmLastRun ?? null;
  const ph = w.productHunt;
  return {
    version: o.version,
    scrapeDurationSeconds: o.scrapeDurationSeconds,
    up,
    launch: t0 !== null && w.launch.phase !== null ? { t0Seconds: seconds(t0), phase: w.launch.phase } : null,
    warm:
      lastRun && Number.isFinite(lastRun.finishedAt)
        ? { finishedAtSeconds: seconds(lastRun.finishedAt), warmed: lastRun.warmed, skipped: lastRun.skipped, failed: lastRun.failed, successRatio: lastRun.total > 0 ? lastRun.successRate : null }
        : null,
    warmMarkers: w.warm ? { alive: w.warm.alive, missing: w.warm.total - w.warm.alive } : null,
    probes: o.probes,
    streams: ext
      ? ext.streams.map((s) => ({
          stream: s.key,
          length: s.length,
          groups: s.groups.map((g) => ({ group: g.name, lag: g.lag, pending: g.pending, consumers: g.consumers, oldestPendingAgeSeconds: g.oldestPendingAgeMs === null ? null : seconds(g.oldestPendingAgeMs) })),
        }))
      : null,
    deadLetters: w.streams?.deadLetters ?? null,
    engagement: w.conversion ? { eventsApplied: w.conversion.events, deadLettered: w.conversion.deadLettered } : null,
    conversion: w.conversion ? { users: w.conversion.variants, confidence: confidenceFromCounters(w.conversion.histogram) } : null,
    redis: ext
      ? ext.nodes.map((n) => ({
          node: n.node,
          usedMemory: n.stats.usedMemoryBytes,
          maxMemory: n.stats.maxmemoryBytes,
          evictedKeys: n.stats.evictedKeys,
          hits: n.stats.keyspaceHits,
          misses: n.stats.keyspaceMisses,
          commands: n.commands,
          errors: n.errors,
        }))
      : null,
    productHunt:
      ph && ph.state !== 'unavailable'
        ? {
            votes: ph.votesCount,
            comments: ph.commentsCount,
            rank: ph.rank,
            ratelimitRemaining: ph.rateLimit?.remaining ?? null,
            ratelimitLimit: ph.rateLimit?.limit ?? null,
            lastFetchSeconds: ph.fetchedAt === null ? null : seconds(ph.fetchedAt),
          }
        : null,
  };
}
