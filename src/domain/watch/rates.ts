// Rates from two consecutive snapshots. Redis INFO and the stream counters are
// cumulative (redis-cli --stat prints them as such); the dashboard shows what
// changed per second or since the last refresh. Pure.
import type { WatchSnapshot } from './snapshot.js';

export interface WatchRates {
  /** Seconds between the two snapshots; null for the first one. */
  intervalS: number | null;
  /** Commands per second; Redis' instantaneous estimate until there are two snapshots. */
  opsPerSec: number | null;
  /** Keyspace hits / lookups over the interval, or since start when there were no lookups in it or no previous snapshot. */
  hitRatio: number | null;
  /** Keys evicted since the previous snapshot (0 for the first). */
  evictedSinceLast: number | null;
  /** Commands rejected with OOM since the previous snapshot; null when the server does not report errorstats. */
  oomSinceLast: number | null;
  /** New entries per second in today's stream. */
  ingestPerSec: number | null;
  /** Entries per second read by the consumer group. */
  consumePerSec: number | null;
  /** Entries per second applied to conversion state (counters `events`). */
  eventsPerSec: number | null;
}

/**
 * Counter growth between two readings. A counter that went down was reset (the
 * server restarted, the stream was recreated): what it holds now is the growth.
 */
export function counterDelta(prev: number, cur: number): number {
  return cur >= prev ? cur - prev : cur;
}

function ratio(hits: number, misses: number): number | null {
  const lookups = hits + misses;
  return lookups > 0 ? hits / lookups : null;
}

export function computeRates(prev: WatchSnapshot | undefined, cur: WatchSnapshot): WatchRates {
  const r = cur.redis;
  const rates: WatchRates = {
    intervalS: null,
    opsPerSec: r ? r.instantaneousOpsPerSec : null,
    hitRatio: r ? ratio(r.keyspaceHits, r.keyspaceMisses) : null,
    evictedSinceLast: r ? 0 : null,
    oomSinceLast: r && r.oomRejections !== null ? 0 : null,
    ingestPerSec: null,
    consumePerSec: null,
    eventsPerSec: null,
  };
  if (!prev || cur.ts <= prev.ts) return rates;
  const intervalS = (cur.ts - prev.ts) / 1000;
  rates.intervalS = intervalS;
  const perSec = (a: number, b: number) => counterDelta(a, b) / intervalS;

  const p = prev.redis;
  if (p && r) {
    rates.opsPerSec = perSec(p.totalCommands, r.totalCommands);
    const hits = counterDelta(p.keyspaceHits, r.keyspaceHits);
    const misses = counterDelta(p.keyspaceMisses, r.keyspaceMisses);
    rates.hitRatio = ratio(hits, misses) ?? rates.hitRatio;
    rates.evictedSinceLast = counterDelta(p.evictedKeys, r.evictedKeys);
    if (p.oomRejections !== null && r.oomRejections !== null) rates.oomSinceLast = counterDelta(p.oomRejections, r.oomRejections);
  }

  const ps = prev.streams;
  const cs = cur.streams;
  // A new UTC day is a new stream: no rate across the change of key.
  if (ps && cs && ps.key === cs.key) {
    if (ps.entriesAdded !== null && cs.entriesAdded !== null) rates.ingestPerSec = perSec(ps.entriesAdded, cs.entriesAdded);
    else rates.ingestPerSec = perSec(ps.length, cs.length);
    const pr = ps.group?.entriesRead;
    const cr = cs.group?.entriesRead;
    if (pr !== undefined && pr !== null && cr !== undefined && cr !== null) rates.consumePerSec = perSec(pr, cr);
  }

  if (prev.conversion && cur.conversion) rates.eventsPerSec = perSec(prev.conversion.events, cur.conversion.events);
  return rates;
}
