import { describe, expect, it } from 'vitest';
import { makePaint } from '../../output/terminal.js';
import { CORRUPT_KEYS_SHOWN, describeCountersDrift, renderCorrupt, renderSummary, renderUserState } from './render.js';
import { emptySummary } from './state-value.js';

const paint = makePaint(false);

describe('state renderers', () => {
  it('shows the last update relative and absolute, and the TTL', () => {
    const text = renderUserState(
      { userId: 'u1', key: 'conv:state:u1', state: { variant: 'video', confidence: 0.25, lastUpdated: 1_000_000 }, ttlS: 90 },
      { nowMs: 1_000_000 + 125_000 },
    );
    expect(text).toMatch(/variant\s+video/);
    expect(text).toMatch(/confidence\s+0\.25/);
    expect(text).toContain('2m 05s ago (1970-01-01T00:16:40.000Z)');
    expect(text).toMatch(/TTL left\s+1m 30s/);
  });

  it('says when a key never expires', () => {
    const text = renderUserState({ userId: 'u1', key: 'k', state: { variant: 'default', confidence: 0, lastUpdated: 0 }, ttlS: null }, { nowMs: 0 });
    expect(text).toContain('never expires');
  });

  it('draws ASCII bars in logs, scaled to the largest value', () => {
    const s = emptySummary();
    s.total = 4;
    s.variants = { default: 3, pricing: 1, video: 0 };
    s.histogram[0] = 4;
    const text = renderSummary(s, { decorate: false, paint, nowMs: 0 });
    expect(text).toMatch(/default\s+3\s+75\.0%\s+#{30}/);
    expect(text).toMatch(/pricing\s+1\s+25\.0%\s+#{10}\.{20}/);
    expect(text).toMatch(/0\.9-1\.0\s+0\s+\.{30}/);
  });

  it('caps the corrupt keys listed but always gives the full count', () => {
    const keys = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, reason: 'not JSON' }));
    const text = renderCorrupt(500, keys, paint);
    expect(text).toContain('corrupt values: 500');
    expect(text.split('\n').filter((l) => l.startsWith('  k'))).toHaveLength(CORRUPT_KEYS_SHOWN);
    expect(text).toContain('... and 480 more');
  });

  it('lists where the counters and the keys disagree', () => {
    const counters = emptySummary();
    const deep = emptySummary();
    counters.variants.pricing = 3;
    deep.variants.pricing = 2;
    counters.histogram[6] = 3;
    deep.histogram[6] = 2;
    expect(describeCountersDrift(counters, deep)).toEqual(['pricing: counters 3, keys 2', 'hist:6: counters 3, keys 2']);
    expect(describeCountersDrift(deep, deep)).toEqual([]);
  });
});
