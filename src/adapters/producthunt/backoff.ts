// Retry policy of the Product Hunt queue. Each retry spends budget, so retries
// are bounded and a 429 waits for the window to reset instead of retrying blindly
// (the discord bot in research/producthunt-api.md §6 ran out of budget that way).
import { fullJitterDelayMs } from '../../util/backoff.js';
import { UNKNOWN_RESET_WAIT_MS } from './ratelimit.js';

/** What went wrong with one attempt. */
export type PhFailureKind = 'rate-limited' | 'server' | 'network';

export interface BackoffPolicy {
  /** Attempts in total for 5xx / network failures (the first one included). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Extra random wait after a rate-limit reset, so processes do not wake together. */
  resetJitterMs: number;
  /** 429s tolerated in one call before giving up. */
  maxRateLimitWaits: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 4,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  resetJitterMs: 1000,
  maxRateLimitWaits: 2,
};

export { UNKNOWN_RESET_WAIT_MS };

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Decides whether to retry after a failed attempt.
 * - rate-limited: wait until `resetAt` + jitter, at most `maxRateLimitWaits` times,
 *   and only if that is within `maxWaitMs` (else the caller reports when it resets).
 * - server / network: exponential backoff with full jitter (AWS architecture blog):
 *   delay = random(0, min(maxDelay, base * 2^(attempt-1))), bounded attempts.
 */
export function planRetry(input: {
  kind: PhFailureKind;
  /** 1-based number of the attempt that failed. */
  attempt: number;
  /** Rate-limit waits already done in this call. */
  rateLimitWaits: number;
  resetAt: number | null;
  nowMs: number;
  maxWaitMs: number;
  policy?: BackoffPolicy;
  random?: () => number;
}): RetryDecision {
  const policy = input.policy ?? DEFAULT_BACKOFF;
  const random = input.random ?? Math.random;
  if (input.kind === 'rate-limited') {
    if (input.rateLimitWaits >= policy.maxRateLimitWaits) return { retry: false, reason: 'still rate limited after waiting for the reset' };
    const untilReset = input.resetAt === null ? UNKNOWN_RESET_WAIT_MS : Math.max(0, input.resetAt - input.nowMs);
    const delayMs = untilReset + Math.floor(random() * policy.resetJitterMs);
    if (untilReset > input.maxWaitMs) return { retry: false, reason: 'the budget resets later than this command waits' };
    return { retry: true, delayMs };
  }
  if (input.attempt >= policy.maxAttempts) return { retry: false, reason: `gave up after ${input.attempt} attempts` };
  return { retry: true, delayMs: fullJitterDelayMs(input.attempt, policy, random) };
}

