import { describe, expect, it } from 'vitest';
import { MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS, isBudgetSpent, msUntilBudget, parseRateLimitHeaders, rateLimitFromErrorDetails, resetFromRetryAfter, toRateLimit } from './ratelimit.js';

const NOW = 1_800_000_000_000;

describe('parseRateLimitHeaders', () => {
  it('reads Reset as seconds until the reset, not a timestamp', () => {
    const rl = parseRateLimitHeaders({ 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '6010', 'x-rate-limit-reset': '850' }, NOW);
    expect(rl).toEqual({ limit: 6250, remaining: 6010, resetAt: NOW + 850_000 });
  });

  it('keeps a negative Remaining', () => {
    const rl = toRateLimit(parseRateLimitHeaders({ 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '-50', 'x-rate-limit-reset': '102' }, NOW)!, NOW);
    expect(rl.remaining).toBe(-50);
    expect(isBudgetSpent(rl, NOW)).toBe(true);
    expect(msUntilBudget(rl, NOW)).toBe(102_000);
  });

  it('does not believe a reset more than a day away (a huge value, an epoch timestamp): unknown, with the reason', () => {
    for (const reset of ['100000000', '1796000000', '86401']) {
      const rl = parseRateLimitHeaders({ 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': reset }, NOW)!;
      expect(rl.resetAt).toBeNull();
      expect(rl.unbelievable).toMatch(new RegExp(`x-rate-limit-reset: ${reset} is not a believable reset`));
      // Recorded as spent for the conservative window only, not for years.
      expect(toRateLimit(rl, NOW).resetAt).toBe(NOW + UNKNOWN_RESET_WAIT_MS);
      expect(msUntilBudget(toRateLimit(rl, NOW), NOW)).toBe(UNKNOWN_RESET_WAIT_MS);
    }
    const day = parseRateLimitHeaders({ 'x-rate-limit-limit': '1', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': String(MAX_RESET_MS / 1000) }, NOW)!;
    expect(day.resetAt).toBe(NOW + MAX_RESET_MS);
  });

  it('ignores the wrong X-RateLimit-* spelling', () => {
    expect(parseRateLimitHeaders({ 'x-ratelimit-limit': '6250', 'x-ratelimit-remaining': '0' }, NOW)).toBeNull();
  });
});

describe('budget', () => {
  it('is available again once the reset has passed', () => {
    const rl = { limit: 6250, remaining: 0, resetAt: NOW + 1000 };
    expect(isBudgetSpent(rl, NOW)).toBe(true);
    expect(isBudgetSpent(rl, NOW + 1000)).toBe(false);
    expect(isBudgetSpent(null, NOW)).toBe(false);
  });

  it('reads the reset from a rate_limit_reached body', () => {
    expect(rateLimitFromErrorDetails({ limit: 6250, remaining: -50, reset_in: 102 }, NOW)).toEqual({ limit: 6250, remaining: -50, resetAt: NOW + 102_000 });
    expect(rateLimitFromErrorDetails({ limit: 6250 }, NOW)).toBeNull();
    const absurd = rateLimitFromErrorDetails({ limit: 6250, remaining: 0, reset_in: 1e12 }, NOW);
    expect(absurd?.resetAt).toBeNull();
    expect(absurd?.unbelievable).toMatch(/^reset_in 1000000000000 is not a believable reset/);
    expect(resetFromRetryAfter('99999999', NOW)).toMatchObject({ resetAt: null });
    expect(resetFromRetryAfter('30', NOW)).toMatchObject({ resetAt: NOW + 30_000 });
  });
});
