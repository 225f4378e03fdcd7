import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, planRetry } from './backoff.js';

const NOW = 1_800_000_000_000;

describe('planRetry', () => {
  it('waits for the reset plus jitter after a 429', () => {
    const d = planRetry({ kind: 'rate-limited', attempt: 1, rateLimitWaits: 0, resetAt: NOW + 3000, nowMs: NOW, maxWaitMs: 15_000, random: () => 0.5 });
    expect(d).toEqual({ retry: true, delayMs: 3000 + DEFAULT_BACKOFF.resetJitterMs / 2 });
  });

  it('does not wait for a reset further away than the command waits', () => {
    const d = planRetry({ kind: 'rate-limited', attempt: 1, rateLimitWaits: 0, resetAt: NOW + 600_000, nowMs: NOW, maxWaitMs: 15_000 });
    expect(d.retry).toBe(false);
  });

  it('treats a 429 without any reset as a full window', () => {
    expect(planRetry({ kind: 'rate-limited', attempt: 1, rateLimitWaits: 0, resetAt: null, nowMs: NOW, maxWaitMs: 15_000 }).retry).toBe(false);
  });

  it('stops after the bounded number of 429 waits', () => {
    expect(planRetry({ kind: 'rate-limited', attempt: 3, rateLimitWaits: DEFAULT_BACKOFF.maxRateLimitWaits, resetAt: NOW + 10, nowMs: NOW, maxWaitMs: 15_000 }).retry).toBe(false);
  });

  it('backs off 5xx and network errors with full jitter, a bounded number of times', () => {
    for (let attempt = 1; attempt < DEFAULT_BACKOFF.maxAttempts; attempt++) {
      const d = planRetry({ kind: 'server', attempt, rateLimitWaits: 0, resetAt: null, nowMs: NOW, maxWaitMs: 0, random: () => 0.999 });
      expect(d.retry).toBe(true);
    }
    expect(planRetry({ kind: 'network', attempt: DEFAULT_BACKOFF.maxAttempts, rateLimitWaits: 0, resetAt: null, nowMs: NOW, maxWaitMs: 0 }).retry).toBe(false);
  });
});

