import { describe, expect, it } from 'vitest';
import { pacificDay, pacificOffsetMs } from './day.js';

const HOUR_MS = 3_600_000;

describe('pacificDay', () => {
  it('starts at 08:00 UTC in winter (PST, UTC-8)', () => {
    const d = pacificDay(Date.parse('2026-12-08T10:00:00Z'));
    expect(d.day).toBe('2026-12-08');
    expect(new Date(d.startMs).toISOString()).toBe('2026-12-08T08:00:00.000Z');
    expect(d.endMs - d.startMs).toBe(24 * HOUR_MS);
  });

  it('starts at 07:00 UTC in summer (PDT, UTC-7)', () => {
    const d = pacificDay(Date.parse('2026-07-01T06:59:59Z'));
    expect(d.day).toBe('2026-06-30');
    expect(new Date(d.startMs).toISOString()).toBe('2026-06-30T07:00:00.000Z');
    expect(new Date(d.endMs).toISOString()).toBe('2026-07-01T07:00:00.000Z');
  });

  it('is 23 h long on the spring-forward day and 25 h on the fall-back day', () => {
    // 2026: DST starts Sunday March 8, ends Sunday November 1.
    const spring = pacificDay(Date.parse('2026-03-08T20:00:00Z'));
    expect(spring.day).toBe('2026-03-08');
    expect(new Date(spring.startMs).toISOString()).toBe('2026-03-08T08:00:00.000Z');
    expect(new Date(spring.endMs).toISOString()).toBe('2026-03-09T07:00:00.000Z');
    expect(spring.endMs - spring.startMs).toBe(23 * HOUR_MS);

    const fall = pacificDay(Date.parse('2026-11-01T12:00:00Z'));
    expect(fall.day).toBe('2026-11-01');
    expect(new Date(fall.startMs).toISOString()).toBe('2026-11-01T07:00:00.000Z');
    expect(new Date(fall.endMs).toISOString()).toBe('2026-11-02T08:00:00.000Z');
    expect(fall.endMs - fall.startMs).toBe(25 * HOUR_MS);
  });

  it('puts the instants either side of midnight Pacific in different days across the change', () => {
    const before = pacificDay(Date.parse('2026-03-09T06:59:59.999Z'));
    const after = pacificDay(Date.parse('2026-03-09T07:00:00Z'));
    expect(before.day).toBe('2026-03-08');
    expect(after.day).toBe('2026-03-09');
    expect(after.startMs).toBe(before.endMs);
  });

  it('knows the offset on each side of the change', () => {
    expect(pacificOffsetMs(Date.parse('2026-03-08T09:59:59Z'))).toBe(-8 * HOUR_MS);
    expect(pacificOffsetMs(Date.parse('2026-03-08T10:00:00Z'))).toBe(-7 * HOUR_MS);
  });
});
