import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../util/random.js';
import { jitterRange, jitterTtl, NO_HISTORY_FACTOR, planPredictiveFactors } from './ttl.js';

describe('jitterTtl', () => {
  it('stays within ± jitter of the TTL, at the extremes of the random source too', () => {
    expect(jitterTtl(600, 0.15, () => 0)).toBe(510);
    expect(jitterTtl(600, 0.15, () => 0.999999)).toBe(690);
    expect(jitterTtl(600, 0.15, () => 0.5)).toBe(600);
    expect(jitterRange(600, 0.15)).toEqual({ min: 510, max: 690 });
  });

  it('spreads TTLs over the whole range rather than clumping (so markers do not expire together)', () => {
    const random = seededRandom(42);
    const ttls = Array.from({ length: 5000 }, () => jitterTtl(300, 0.15, random));
    const { min, max } = jitterRange(300, 0.15);
    expect(Math.min(...ttls)).toBeGreaterThanOrEqual(min);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(max);
    // Each tenth of the range gets a fair share of a uniform spread.
    const buckets = new Array<number>(10).fill(0);
    for (const t of ttls) buckets[Math.min(9, Math.floor(((t - min) / (max - min)) * 10))]!++;
    for (const b of buckets) expect(b).toBeGreaterThan(5000 / 10 / 2);
    expect(new Set(ttls).size).toBeGreaterThan(60);
  });

  it('never gives a TTL below 1 second and jitter 0 keeps the TTL', () => {
    expect(jitterTtl(1, 0.5, () => 0)).toBe(1);
    expect(jitterTtl(300, 0, () => 0.9)).toBe(300);
  });
});

describe('planPredictiveFactors', () => {
  const paths = ['/', '/pricing', '/blog', '/docs', '/about'];

  it('gives every path the flat 1.5 with no events, and says why', () => {
    const f = planPredictiveFactors({ paths, counts: new Map(), maxFactor: 3, windowLabel: '1h' });
    for (const p of paths) {
      expect(f.get(p)?.factor).toBe(NO_HISTORY_FACTOR);
      expect(f.get(p)?.reason).toContain('no engagement events in the last 1h');
    }
    const unread = planPredictiveFactors({ paths, counts: null, maxFactor: 3, windowLabel: '1h' });
    expect(unread.get('/')?.reason).toContain('could not be read');
  });

  it('scales by velocity relative to the median path, clamped to [1, max]', () => {
    const counts = new Map([
      ['/', 40],
      ['/pricing', 20],
      ['/blog', 10],
      ['/docs', 5],
    ]);
    const f = planPredictiveFactors({ paths, counts, maxFactor: 3, windowLabel: '1h' });
    // median of [40, 20, 10, 5, 0] is 10
    expect(f.get('/')?.factor).toBe(3);
    expect(f.get('/')?.reason).toContain('(max)');
    expect(f.get('/pricing')?.factor).toBe(2);
    expect(f.get('/blog')?.factor).toBe(1);
    expect(f.get('/docs')?.factor).toBe(1);
    expect(f.get('/docs')?.reason).toContain('never below');
    expect(f.get('/about')?.events).toBe(0);
    expect(f.get('/pricing')?.reason).toMatch(/20 events in 1h, 2× the median path \(10\)/);
  });

  it('uses one event as the reference when most paths are quiet', () => {
    const f = planPredictiveFactors({ paths, counts: new Map([['/pricing', 2]]), maxFactor: 3, windowLabel: '1h' });
    expect(f.get('/pricing')?.factor).toBe(2);
    expect(f.get('/')?.factor).toBe(1);
  });

  it('counts a path with a query string by its bare path, and respects a max below 1.5', () => {
    const f = planPredictiveFactors({ paths: ['/a?ref=ph', '/b'], counts: new Map([['/a', 9], ['/b', 1]]), maxFactor: 1.2, windowLabel: '1h' });
    expect(f.get('/a?ref=ph')?.factor).toBe(1.2);
    const flat = planPredictiveFactors({ paths: ['/a'], counts: new Map(), maxFactor: 1.2, windowLabel: '1h' });
    expect(flat.get('/a')?.factor).toBe(1.2);
  });
});
