import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
    ['1h30m', 5_400_000],
    ['1.5s', 1500],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', '10', 'ten s', '5 m', '3w', '-1s'])('rejects %j with the flag name', (text) => {
    expect(() => parseDuration(text, '--repeat-after')).toThrow(/^--repeat-after: expected a duration/);
  });
});

describe('formatDuration', () => {
  it.each([
    [850, '850ms'],
    [12_345, '12.3s'],
    [245_000, '4m 05s'],
    [7_380_000, '2h 03m'],
    [-90_000, '-1m 30s'],
  ])('%d → %s', (ms, text) => expect(formatDuration(ms)).toBe(text));
});
