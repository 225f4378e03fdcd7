// The conversion summary from the counters hash (`keys.convStats()`), kept up
// to date by `consume`: answers in one HGETALL whatever the number of users.
// Read by `state --summary`, `watch` and `checklist`.
import type { RedisClient } from '../../adapters/redis.js';
import type { Keys } from '../../keys.js';
import { HISTOGRAM_BUCKETS, VARIANTS, emptySummary, type ConversionSummary } from './state-value.js';

export interface CountersSummary extends ConversionSummary {
  /** Stream entries applied to state. */
  events: number;
  /** Entries sent to the dead-letter stream. */
  deadLettered: number;
  /** Distinct users whose state was ever created (states expire, so it can exceed `total`). */
  users: number;
  /** When consume last wrote the counters (ms), or null when it never has. */
  updatedAt: number | null;
}

function count(hash: Record<string, string>, field: string): number {
  const n = Number(hash[field] ?? 0);
  // A counter is never negative in the contract; a stray write must not show "-3 users".
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : 0;
}

/** Pure: the summary from the raw hash fields (missing field = 0). */
export function parseConvStats(hash: Record<string, string>): CountersSummary {
  const summary = emptySummary();
  for (const v of VARIANTS) summary.variants[v] = count(hash, `variant:${v}`);
  summary.total = VARIANTS.reduce((sum, v) => sum + summary.variants[v], 0);
  summary.histogram = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => count(hash, `hist:${i}`));
  const updatedAt = count(hash, 'updatedAt');
  return {
    ...summary,
    events: count(hash, 'events'),
    deadLettered: count(hash, 'deadLettered'),
    users: count(hash, 'users'),
    updatedAt: updatedAt > 0 ? updatedAt : null,
  };
}

/**
 * Pure: the hash fields that describe `summary` (variants and histogram), for
 * rewriting the counters after a deep scan. `events`, `users` and
 * `deadLettered` are history, not state, so they are left as they are.
 */
export function buildConvStatsFields(summary: ConversionSummary, nowMs: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const v of VARIANTS) fields[`variant:${v}`] = String(summary.variants[v]);
  summary.histogram.forEach((n, i) => (fields[`hist:${i}`] = String(n)));
  fields.updatedAt = String(nowMs);
  return fields;
}

/** Reads the counters hash: one round trip. */
export async function readConversionSummary(redis: RedisClient, keys: Keys): Promise<CountersSummary> {
  return parseConvStats(await redis.hgetall(keys.convStats()));
}

/** Rewrites the state fields of the counters hash from a deep scan (`--repair`). */
export async function writeConversionCounters(redis: RedisClient, keys: Keys, summary: ConversionSummary, nowMs: number): Promise<void> {
  await redis.hset(keys.convStats(), buildConvStatsFields(summary, nowMs));
}
