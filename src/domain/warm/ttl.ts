// TTL policy of warm markers (pure): jitter so markers written in one run do
// not expire together (the seed's "ttl ± 15%"), and the --predictive factor
// that stretches the TTL of the paths people are actually on.
import { median } from '../../util/stats.js';

export type { RandomSource } from '../../util/backoff.js';
import type { RandomSource } from '../../util/backoff.js';

/** The factor the seed article applies to every path under --predictive; ours when there is no history. */
export const NO_HISTORY_FACTOR = 1.5;

/** Smallest and largest TTL (whole seconds) that jitter can give for `ttlS`. */
export function jitterRange(ttlS: number, jitter: number): { min: number; max: number } {
  return { min: Math.max(1, Math.floor(ttlS * (1 - jitter))), max: Math.max(1, Math.ceil(ttlS * (1 + jitter))) };
}

/**
 * `ttlS` spread uniformly over ± `jitter` (a fraction), rounded to whole
 * seconds and never below 1 (EX 0 is an error in Redis).
 */
export function jitterTtl(ttlS: number, jitter: number, random: RandomSource = Math.random): number {
  const { min, max } = jitterRange(ttlS, jitter);
  const spread = ttlS * (1 + jitter * (2 * random() - 1));
  return Math.min(max, Math.max(min, Math.round(spread)));
}

export interface PredictiveFactor {
  factor: number;
  /** Events naming this path inside the window. */
  events: number;
  /** Why this factor, for the report: "3.2× the median path (40 vs 12 events) → 3 (max)". */
  reason: string;
}

export interface PredictiveInput {
  paths: readonly string[];
  /** Events per path inside the window; paths missing from the map had none. Null: no history could be read. */
  counts: ReadonlyMap<string, number> | null;
  maxFactor: number;
  /** How the window reads in a reason ("1h"). */
  windowLabel: string;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Each path's factor: its engagement velocity (events in the window) relative
 * to the median path, clamped to [1, maxFactor]. A path is never cooled below
 * its configured TTL (factor 1): a quiet page still gets its full TTL. With no
 * events at all every path gets the seed's flat 1.5.
 */
export function planPredictiveFactors({ paths, counts, maxFactor, windowLabel }: PredictiveInput): Map<string, PredictiveFactor> {
  const out = new Map<string, PredictiveFactor>();
  // Events are counted per path without query or fragment (sources.ts).
  const perPath = paths.map((p) => counts?.get(p) ?? counts?.get(p.split(/[?#]/)[0]!) ?? 0);
  const total = perPath.reduce((a, b) => a + b, 0);
  if (counts === null || total === 0) {
    const why = counts === null ? 'the engagement history could not be read' : `no engagement events in the last ${windowLabel}`;
    const factor = Math.min(NO_HISTORY_FACTOR, maxFactor);
    for (const p of paths) out.set(p, { factor, events: 0, reason: `${why}: flat ×${factor}` });
    return out;
  }
  // A median of 0 (most paths quiet) would make every active path infinitely
  // hot; one event is the smallest meaningful reference.
  const reference = Math.max(1, median(perPath));
  paths.forEach((p, i) => {
    const events = perPath[i]!;
    const ratio = events / reference;
    const factor = round2(Math.min(maxFactor, Math.max(1, ratio)));
    let reason = `${events} events in ${windowLabel}, ${round2(ratio)}× the median path (${round2(reference)})`;
    if (ratio > maxFactor) reason += ` → ×${factor} (max)`;
    else if (ratio < 1) reason += ' → ×1 (never below the configured TTL)';
    else reason += ` → ×${factor}`;
    out.set(p, { factor, events, reason });
  });
  return out;
}
