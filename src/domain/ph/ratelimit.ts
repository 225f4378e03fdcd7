// Rate-limit state of the Product Hunt application (research/producthunt-api.md §2):
// X-Rate-Limit-Limit / -Remaining (signed: it goes negative after an overrun) /
// -Reset (SECONDS UNTIL the reset, not a timestamp). The X-RateLimit-* and
// RateLimit-* spellings found in some projects are wrong and ignored.
import type { PhRateLimit } from './types.js';

/** Reads the three headers (lower-cased names); null when Limit or Remaining is missing. */
export function parseRateLimitHeaders(headers: Record<string, string | undefined>, nowMs: number): PhRateLimit | null {
  const limit = parseSignedInt(headers['x-rate-limit-limit']);
  const remaining = parseSignedInt(headers['x-rate-limit-remaining']);
  const resetS = parseSignedInt(headers['x-rate-limit-reset']);
  if (limit === null || remaining === null) return null;
  return { limit, remaining, resetAt: nowMs + Math.max(0, resetS ?? 0) * 1000 };
}

/** `details` of a `rate_limit_reached` error body: `{ limit, remaining, reset_in }` (seconds). */
export function rateLimitFromErrorDetails(details: unknown, nowMs: number): PhRateLimit | null {
  if (!details || typeof details !== 'object') return null;
  const d = details as Record<string, unknown>;
  const resetIn = typeof d.reset_in === 'number' ? d.reset_in : null;
  if (resetIn === null) return null;
  return {
    limit: typeof d.limit === 'number' ? d.limit : 0,
    remaining: typeof d.remaining === 'number' ? d.remaining : 0,
    resetAt: nowMs + Math.max(0, resetIn) * 1000,
  };
}

function parseSignedInt(text: string | undefined): number | null {
  if (text === undefined || !/^\s*-?\d+\s*$/.test(text)) return null;
  return Number(text.trim());
}

/** The budget is spent while Remaining <= 0 and the reset is still ahead. */
export function isBudgetSpent(rl: PhRateLimit | null, nowMs: number): boolean {
  return rl !== null && rl.remaining <= 0 && rl.resetAt > nowMs;
}

/** How long until a request may be sent (0 = now). */
export function msUntilBudget(rl: PhRateLimit | null, nowMs: number): number {
  return isBudgetSpent(rl, nowMs) ? rl!.resetAt - nowMs : 0;
}
