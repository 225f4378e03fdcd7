import { describe, expect, it } from 'vitest';
import { backoffCeilingMs, equalJitterDelayMs, fullJitterDelayMs } from './backoff.js';

const curve = { baseDelayMs: 200, maxDelayMs: 5000 };

describe('backoff', () => {
  it('doubles the ceiling per attempt up to the cap', () => {
    expect([1, 2, 3, 20].map((a) => backoffCeilingMs(a, curve))).toEqual([200, 400, 800, 5000]);
  });
  it('full jitter draws from [0, ceiling)', () => {
    expect(fullJitterDelayMs(1, curve, () => 0)).toBe(0);
    expect(fullJitterDelayMs(3, curve, () => 0.999)).toBe(799);
    expect(fullJitterDelayMs(20, curve, () => 0.999)).toBe(4995);
  });
  it('equal jitter draws from [ceiling/2, ceiling]', () => {
    expect(equalJitterDelayMs(1, curve, () => 0)).toBe(100);
    expect(equalJitterDelayMs(1, curve, () => 1)).toBe(200);
    expect(equalJitterDelayMs(3, curve, () => 1)).toBe(800);
    expect(equalJitterDelayMs(20, curve, () => 1)).toBe(5000);
  });
});
