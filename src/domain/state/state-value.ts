// Pure rules about one conversion state value (`conv:state:<userId>`, SPEC.md
// "Data contract") and the summary shape shared by the counters reader and the
// deep scan. No I/O.

import { VARIANTS, type Variant } from '../engagement/rules.js';

export { VARIANTS, type Variant };

export const HISTOGRAM_BUCKETS = 10;

/**
 * One user's conversion state (the value of `conv:state:<userId>`): the fields
 * every valid value carries. Extra fields (consumer bookkeeping) are allowed.
 */
export interface ConversionState {
  variant: Variant;
  confidence: number;
  lastUpdated: number;
  /** Events applied to this state (evaluateConversionPath always sets it; old values may lack it). */
  events?: number;
}

export type StateCheck = { ok: true; state: ConversionState } | { ok: false; reason: string };

/** Users per variant and per confidence bucket (what `state --summary` shows). */
export interface ConversionSummary {
  /** Users counted: the sum of the variants. */
  total: number;
  variants: Record<Variant, number>;
  /** Users per confidence bucket `min(9, floor(confidence * 10))`. */
  histogram: number[];
}

/**
 * The bucket of a confidence, exactly as the counters writer computes it
 * (`min(9, floor(confidence*10))`), so a deep scan and the counters agree.
 */
export function confidenceBucket(confidence: number): number {
  return Math.max(0, Math.min(HISTOGRAM_BUCKETS - 1, Math.floor(confidence * 10)));
}

function isVariant(value: unknown): value is Variant {
  return value === 'default' || value === 'pricing' || value === 'video';
}

/**
 * Checks a raw state value. Anything that is not a JSON object with a known
 * `variant`, a `confidence` in 0..1 and a numeric `lastUpdated` is corrupt; the
 * reason says which field, so `--deep` reports can be acted on.
 */
export function checkStateValue(raw: string | null): StateCheck {
  if (raw === null) return { ok: false, reason: 'missing' };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'not a JSON object' };
  const { variant, confidence, lastUpdated } = value as Record<string, unknown>;
  if (!isVariant(variant)) return { ok: false, reason: 'variant: expected "default", "pricing" or "video"' };
  if (typeof confidence !== 'number' || !Number.isFinite(confidence) || confidence < 0 || confidence > 1) {
    return { ok: false, reason: 'confidence: expected a number from 0 to 1' };
  }
  if (typeof lastUpdated !== 'number' || !Number.isFinite(lastUpdated) || lastUpdated < 0) {
    return { ok: false, reason: 'lastUpdated: expected a time in ms' };
  }
  return { ok: true, state: { variant, confidence, lastUpdated } };
}

export function emptySummary(): ConversionSummary {
  return { total: 0, variants: { default: 0, pricing: 0, video: 0 }, histogram: new Array<number>(HISTOGRAM_BUCKETS).fill(0) };
}

/** Counts one valid state into a summary (mutates it: the deep scan adds millions). */
export function countState(summary: ConversionSummary, state: Pick<ConversionState, 'variant' | 'confidence'>): void {
  summary.total++;
  summary.variants[state.variant]++;
  summary.histogram[confidenceBucket(state.confidence)]!++;
}

/** Adds summaries (one per cluster master) into a new one. */
export function mergeSummaries(parts: readonly ConversionSummary[]): ConversionSummary {
  const out = emptySummary();
  for (const p of parts) {
    out.total += p.total;
    for (const v of VARIANTS) out.variants[v] += p.variants[v];
    p.histogram.forEach((n, i) => (out.histogram[i]! += n));
  }
  return out;
}

/** The state a corrupt value is reset to by `state --summary --deep --repair`. */
export function defaultState(nowMs: number): ConversionState {
  return { variant: 'default', confidence: 0, lastUpdated: nowMs };
}
