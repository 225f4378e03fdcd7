import { describe, expect, it } from 'vitest';
import { isBudgetSpent, msUntilBudget, parseRateLimitHeaders, rateLimitFromErrorDetails } from './ratelimit.js';

const NOW = 1_800_000_000_000;

describe('parseRateLimitHeaders', () => {
  it('reads Reset as seconds until the reset, not a timestamp', () => {
    const rl = parseRateLimitHeaders({ 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '6010', 'x-rate-limit-reset': '850' }, NOW);
    expect(rl).toEqual({ limit: 6250, remaining: 6010, resetAt: NOW + 850_000 });
  });

  it('keeps a negative Remaining', () => {
    const rl = parseRateLimitHeaders({ 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '-50', 'x-rate-limit-reset': '102' }, NOW);
    expect(rl?.remaining).toBe(-50);
    expect(isBudgetSpent(rl, NOW)).toBe(true);
    expect(msUntilBudget(rl, NOW)).toBe(102_000);
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
  });
});
