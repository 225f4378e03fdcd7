import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { DAY_MS } from '../../util/duration.js';
import { choosePhase, parsePhase, phaseAt } from './phase.js';

const T0 = Date.parse('2026-12-08T08:01:00Z');

describe('phaseAt', () => {
  it.each([
    ['a week before', T0 - 7 * DAY_MS, 't-7'],
    ['one ms before T-24h', T0 - DAY_MS - 1, 't-7'],
    ['exactly T-24h', T0 - DAY_MS, 't-1'],
    ['one ms before T-0', T0 - 1, 't-1'],
    ['exactly T-0', T0, 't0'],
    ['T+6h', T0 + 6 * 3_600_000, 't0'],
    ['one ms before T+24h', T0 + DAY_MS - 1, 't0'],
    ['exactly T+24h', T0 + DAY_MS, 't+1'],
    ['a month after', T0 + 30 * DAY_MS, 't+1'],
  ])('%s → %s', (_label, now, phase) => {
    expect(phaseAt(T0, now)).toBe(phase);
  });
});

describe('parsePhase', () => {
  it.each([
    ['t-7', 't-7'],
    ['T-1', 't-1'],
    ['t0', 't0'],
    ['t-0', 't0'],
    ['t+1', 't+1'],
  ])('%s', (text, phase) => {
    expect(parsePhase(text)).toBe(phase);
  });

  it('rejects anything else naming the valid phases', () => {
    expect(() => parsePhase('t-2')).toThrow(UsageError);
    expect(() => parsePhase('t-2')).toThrow(/t-7, t-1, t0, t\+1/);
  });
});

describe('choosePhase', () => {
  it('the argument wins over the clock', () => {
    expect(choosePhase('t+1', '2026-12-08T08:01:00Z', T0 - 7 * DAY_MS)).toBe('t+1');
  });
  it('follows launch.t0 without an argument', () => {
    expect(choosePhase(undefined, '2026-12-08T08:01:00Z', T0 - 3_600_000)).toBe('t-1');
  });
  it('no argument and no t0 is a usage error', () => {
    expect(() => choosePhase(undefined, undefined, T0)).toThrow(/launch\.t0 is not set/);
  });
});
