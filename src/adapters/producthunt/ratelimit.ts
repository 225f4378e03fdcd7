// Rate-limit state of the Product Hunt application (research/producthunt-api.md §2):
// X-Rate-Limit-Limit / -Remaining (signed: it goes negative after an overrun) /
// -Reset (SECONDS UNTIL the reset, not a timestamp). The X-RateLimit-* and
// RateLimit-* spellings found in some projects are wrong and ignored.
//
// A reset is believed only up to one day ahead (the real window is 15
// minutes): a header of 100000000, or an API that switched to an epoch
// timestamp, would otherwise lock the whole team out for years. A reset that
// cannot be believed, or a 429 that gives none, counts as UNKNOWN_RESET_WAIT_MS.
/** The shared budget of the Product Hunt application, from the X-Rate-Limit-* headers. */
export interface PhRateLimit {
  /** Points per window (X-Rate-Limit-Limit; 6250 per 15 min for GraphQL). */
  limit: number;
  /** Points left (X-Rate-Limit-Remaining); may be negative after an overrun. */
  remaining: number;
  /** When the window resets, epoch ms (now + X-Rate-Limit-Reset seconds). */
  resetAt: number;
}


/** The longest reset believed, ms. Beyond it the reset is unknown. */
export const MAX_RESET_MS = 86_400_000;
/**
 * How long the team backs off when the reset is unknown (a 429 without a
 * usable reset, or an absurd one): short enough to notice a reset soon,
 * long enough that a team of pollers sends one request a minute, not a stream.
 */
export const UNKNOWN_RESET_WAIT_MS = 60_000;

/** One reading of the headers or an error body; `resetAt` null when absent or not believable. */
export interface RateLimitReading {
  limit: number;
  remaining: number;
  resetAt: number | null;
  /** Set when a reset was given but not believed (for a warning). */
  unbelievable?: string;
}

/** Seconds until the reset → epoch ms, or null (with why) when it is beyond MAX_RESET_MS. */
function resetFromSeconds(seconds: number, nowMs: number, source: string): Pick<RateLimitReading, 'resetAt' | 'unbelievable'> {
  const ms = Math.max(0, seconds) * 1000;
  if (!Number.isFinite(ms) || ms > MAX_RESET_MS) {
    return { resetAt: null, unbelievable: `${source} ${seconds} is not a believable reset (more than a day away): treated as unknown` };
  }
  return { resetAt: nowMs + ms };
}

/** Reads the three headers (lower-cased names); null when Limit or Remaining is missing. */
export function parseRateLimitHeaders(headers: Record<string, string | undefined>, nowMs: number): RateLimitReading | null {
  const limit = parseSignedInt(headers['x-rate-limit-limit']);
  const remaining = parseSignedInt(headers['x-rate-limit-remaining']);
  const resetS = parseSignedInt(headers['x-rate-limit-reset']);
  if (limit === null || remaining === null) return null;
  return { limit, remaining, ...(resetS === null ? { resetAt: null } : resetFromSeconds(resetS, nowMs, 'x-rate-limit-reset:')) };
}

/** `details` of a `rate_limit_reached` error body: `{ limit, remaining, reset_in }` (seconds). */
export function rateLimitFromErrorDetails(details: unknown, nowMs: number): RateLimitReading | null {
  if (!details || typeof details !== 'object') return null;
  const d = details as Record<string, unknown>;
  const resetIn = typeof d.reset_in === 'number' ? d.reset_in : null;
  if (resetIn === null) return null;
  return {
    limit: typeof d.limit === 'number' ? d.limit : 0,
    remaining: typeof d.remaining === 'number' ? d.remaining : 0,
    ...resetFromSeconds(resetIn, nowMs, 'reset_in'),
  };
}

/** Retry-After in seconds (the HTTP-date form is not used by this API), believed up to MAX_RESET_MS. */
export function resetFromRetryAfter(value: string | undefined, nowMs: number): RateLimitReading | null {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return null;
  return { limit: 0, remaining: 0, ...resetFromSeconds(Number(value), nowMs, 'retry-after:') };
}

/** The state to record: an unknown reset counts as UNKNOWN_RESET_WAIT_MS from now. */
export function toRateLimit(reading: RateLimitReading, nowMs: number): PhRateLimit {
  return { limit: reading.limit, remaining: reading.remaining, resetAt: reading.resetAt ?? nowMs + UNKNOWN_RESET_WAIT_MS };
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
