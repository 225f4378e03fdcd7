import { describe, expect, it } from 'vitest';
import { compareStreamIds, minStreamId, nextStreamId, parseStreamId, streamIdAtMs } from './stream-id.js';

describe('stream IDs', () => {
  it('orders by milliseconds, then sequence, as numbers', () => {
    expect(compareStreamIds('9-0', '10-0')).toBeLessThan(0);
    expect(compareStreamIds('10-2', '10-10')).toBeLessThan(0);
    expect(compareStreamIds('10-1', '10-1')).toBe(0);
    expect(compareStreamIds('11', '10-99')).toBeGreaterThan(0);
  });
  it('is exact past 2^53', () => {
    expect(compareStreamIds('18446744073709551615-0', '18446744073709551614-0')).toBeGreaterThan(0);
    expect(compareStreamIds('1-9007199254740993', '1-9007199254740992')).toBeGreaterThan(0);
  });
  it('refuses what is not an ID', () => {
    expect(() => compareStreamIds('abc', '1-0')).toThrow(/not a stream ID: abc/);
    expect(() => parseStreamId('1-2-3')).toThrow(/not a stream ID/);
  });
  it('finds the smallest, ignoring nulls', () => {
    expect(minStreamId(['10-10', null, '10-2', '11-0'])).toBe('10-2');
    expect(minStreamId([])).toBeNull();
  });
  it('steps to the next ID and to an instant', () => {
    expect(nextStreamId('10-18446744073709551614')).toBe('10-18446744073709551615');
    expect(streamIdAtMs(1234.9)).toBe('1234-0');
  });
});
