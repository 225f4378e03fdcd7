import { describe, expect, it } from 'vitest';
import { asciiBar, bar, sparkline } from './charts.js';

describe('charts', () => {
  it('sparkline spans the lowest to the highest block', () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7])).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5, 5])).toBe('▁▁▁');
    expect(sparkline([1, 2, 3, 4], 2)).toBe('▁█');
    expect(sparkline([])).toBe('');
  });

  it('bar is always `width` cells wide and clamps', () => {
    expect(bar(5, 10, 10)).toBe('█████     ');
    expect(bar(20, 10, 4)).toBe('████');
    expect(bar(0, 0, 3)).toBe('   ');
    expect(bar(1, 16, 2)).toBe('▏ ');
    expect(asciiBar(3, 10, 10)).toBe('###.......');
  });
});
