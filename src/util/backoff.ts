// The one backoff: exponential, capped, with jitter so that many clients that
// failed together do not retry together (AWS Architecture Blog, "Exponential
// Backoff And Jitter"). Retry number `attempt` is 1-based; its ceiling is
// min(maxDelayMs, baseDelayMs · 2^(attempt-1)).

export interface BackoffCurve {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** A source of numbers in [0, 1): Math.random, or a seeded one in tests. */
export type RandomSource = () => number;

export function backoffCeilingMs(attempt: number, curve: BackoffCurve): number {
  return Math.min(curve.maxDelayMs, curve.baseDelayMs * 2 ** (Math.max(1, attempt) - 1));
}

/** Full jitter: a delay in [0, ceiling). The fewest collisions; some retries go at once. */
export function fullJitterDelayMs(attempt: number, curve: BackoffCurve, random: RandomSource = Math.random): number {
  return Math.floor(random() * backoffCeilingMs(attempt, curve));
}

/** Equal jitter: a delay in [ceiling/2, ceiling]. Never retries at once, still spreads the retries out. */
export function equalJitterDelayMs(attempt: number, curve: BackoffCurve, random: RandomSource = Math.random): number {
  const ceiling = backoffCeilingMs(attempt, curve);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}
