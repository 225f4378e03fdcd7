import { describe, expect, it } from 'vitest';
import { buildConvStatsFields, parseConvStats } from './summary.js';

describe('parseConvStats', () => {
  it('reads every field, missing fields are 0', () => {
    const s = parseConvStats({ events: '12', users: '4', 'variant:default': '2', 'variant:video': '1', 'hist:0': '2', 'hist:7': '1', updatedAt: '1700000000000' });
    expect(s).toEqual({
      total: 3,
      variants: { default: 2, pricing: 0, video: 1 },
      histogram: [2, 0, 0, 0, 0, 0, 0, 1, 0, 0],
      events: 12,
      deadLettered: 0,
      users: 4,
      updatedAt: 1700000000000,
    });
  });

  it('an empty hash is an empty summary with no update time', () => {
    const s = parseConvStats({});
    expect(s.total).toBe(0);
    expect(s.histogram).toHaveLength(10);
    expect(s.updatedAt).toBeNull();
  });

  it('never shows a negative or non-numeric counter', () => {
    expect(parseConvStats({ 'variant:pricing': '-3', 'hist:2': 'x' }).variants.pricing).toBe(0);
  });

  it('round-trips the state fields it writes', () => {
    const fields = buildConvStatsFields({ total: 3, variants: { default: 1, pricing: 2, video: 0 }, histogram: [1, 0, 0, 0, 0, 0, 2, 0, 0, 0] }, 42);
    expect(fields).not.toHaveProperty('events');
    const back = parseConvStats(fields);
    expect(back.variants).toEqual({ default: 1, pricing: 2, video: 0 });
    expect(back.histogram[6]).toBe(2);
    expect(back.updatedAt).toBe(42);
  });
});
