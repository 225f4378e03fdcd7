import { describe, expect, it } from 'vitest';
import { createKeys } from '../../keys.js';
import { planWarm } from './plan.js';
import { planPredictiveFactors } from './ttl.js';

describe('planWarm', () => {
  const targets = [
    { path: '/', ttl: 300, source: 'config' as const },
    { path: '/pricing', ttl: 600, source: 'config' as const },
  ];

  it('gives each path its URL, prefixed marker key and jittered TTL', () => {
    const plan = planWarm({ targets, origin: 'https://acme.example/', keys: createKeys('acme:'), jitter: 0.1, factors: null, random: () => 0 });
    expect(plan.predictive).toBeNull();
    expect(plan.entries).toEqual([
      { path: '/', url: 'https://acme.example/', key: 'acme:cache:/', source: 'config', baseTtl: 300, factor: 1, reason: null, ttl: 270, ttlRange: { min: 270, max: 330 } },
      { path: '/pricing', url: 'https://acme.example/pricing', key: 'acme:cache:/pricing', source: 'config', baseTtl: 600, factor: 1, reason: null, ttl: 540, ttlRange: { min: 540, max: 660 } },
    ]);
  });

  it('takes paths from the host root, whatever path site.origin carries', () => {
    const plan = planWarm({ targets, origin: 'https://acme.example/app/', keys: createKeys(), jitter: 0, factors: null });
    expect(plan.entries.map((e) => e.url)).toEqual(['https://acme.example/', 'https://acme.example/pricing']);
  });

  it('applies the predictive factor before jitter and carries the reason', () => {
    const factors = planPredictiveFactors({ paths: ['/', '/pricing'], counts: new Map([['/pricing', 30], ['/', 10]]), maxFactor: 3, windowLabel: '1h' });
    const predictive = { windowMs: 3_600_000, sampled: 40, capped: false, note: null };
    const plan = planWarm({ targets, origin: 'https://acme.example', keys: createKeys(), jitter: 0, factors, predictive, random: () => 0.5 });
    expect(plan.predictive).toEqual(predictive);
    // median of [10, 30] is 20: / → ×1 (never below), /pricing → ×1.5
    expect(plan.entries.map((e) => [e.path, e.factor, e.ttl])).toEqual([
      ['/', 1, 300],
      ['/pricing', 1.5, 900],
    ]);
    expect(plan.entries[1]!.reason).toContain('30 events in 1h');
  });
});
