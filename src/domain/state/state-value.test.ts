import { describe, expect, it } from 'vitest';
import { checkStateValue, confidenceBucket, countState, emptySummary, mergeSummaries } from './state-value.js';

describe('checkStateValue', () => {
  it.each([
    ['{"variant":"pricing","confidence":0.7,"lastUpdated":1700000000000}', true],
    ['{"variant":"video","confidence":0,"lastUpdated":0,"events":3,"applied":"1-0"}', true],
    ['{"variant":"default","confidence":1,"lastUpdated":5}', true],
  ])('accepts %s', (raw, ok) => {
    expect(checkStateValue(raw).ok).toBe(ok);
  });

  it.each([
    ['{"variant":"pricing",', /^not JSON/],
    ['undefined', /^not JSON/],
    ['[1,2]', /not a JSON object/],
    ['"text"', /not a JSON object/],
    ['null', /not a JSON object/],
    ['{"variant":"banner","confidence":0.5,"lastUpdated":1}', /^variant:/],
    ['{"confidence":0.5,"lastUpdated":1}', /^variant:/],
    ['{"variant":"default","confidence":1.5,"lastUpdated":1}', /^confidence:/],
    ['{"variant":"default","confidence":"0.5","lastUpdated":1}', /^confidence:/],
    ['{"variant":"default","confidence":-0.1,"lastUpdated":1}', /^confidence:/],
    ['{"variant":"default","confidence":0.5}', /^lastUpdated:/],
    ['{"variant":"default","confidence":0.5,"lastUpdated":"yesterday"}', /^lastUpdated:/],
  ])('rejects %s with a reason naming the problem', (raw, reason) => {
    const r = checkStateValue(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('reports a missing value', () => {
    expect(checkStateValue(null)).toEqual({ ok: false, reason: 'missing' });
  });
});

describe('confidenceBucket', () => {
  it.each([
    [0, 0],
    [0.05, 0],
    [0.1, 1],
    [0.2 + 0.1, 3],
    [0.59, 5],
    [0.6, 6],
    [0.99, 9],
    [1, 9],
  ])('puts %d in bucket %d (min(9, floor(c*10)))', (confidence, bucket) => {
    expect(confidenceBucket(confidence)).toBe(bucket);
  });
});

describe('summaries', () => {
  it('counts states per variant and bucket, and merges per-node parts', () => {
    const a = emptySummary();
    countState(a, { variant: 'pricing', confidence: 0.8 });
    countState(a, { variant: 'default', confidence: 0.1 });
    const b = emptySummary();
    countState(b, { variant: 'pricing', confidence: 1 });
    const merged = mergeSummaries([a, b]);
    expect(merged.total).toBe(3);
    expect(merged.variants).toEqual({ default: 1, pricing: 2, video: 0 });
    expect(merged.histogram).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 1, 1]);
  });
});
