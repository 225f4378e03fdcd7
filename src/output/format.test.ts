import { describe, expect, it } from 'vitest';
import { formatBytes, formatClockUtc, formatCount, formatLatency, formatPercent, formatRate } from './format.js';

describe('number formats', () => {
  it('bytes the way redis-cli --stat prints them', () => {
    expect(formatBytes(512)).toBe('512B');
    expect(formatBytes(1536)).toBe('1.50K');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.00G');
  });
  it('counts, rates, percentages and latencies; a dash when unknown', () => {
    expect(formatCount(1234)).toBe('1,234');
    expect(formatCount(2_500_000)).toBe('2.50M');
    expect(formatCount(null)).toBe('—');
    expect(formatRate(0.44)).toBe('0.4');
    expect(formatRate(3410)).toBe('3,410');
    expect(formatPercent(0.9721)).toBe('97.2%');
    expect(formatLatency(0.421)).toBe('0.42ms');
    expect(formatLatency(12.4)).toBe('12ms');
    expect(formatLatency(Number.NaN)).toBe('—');
  });
  it('UTC clock time', () => {
    expect(formatClockUtc(Date.parse('2026-12-08T08:01:02.345Z'))).toBe('08:01:02');
  });
});
