import { describe, expect, it } from 'vitest';
import { oldestUnackedId, planTrim, retentionFirstDay, type GroupInfo, type StreamInfo } from './trim-plan.js';

const NOW = Date.parse('2026-11-30T12:00:00Z');
const idAt = (ms: number, seq = 0) => `${ms}-${seq}`;

function stream(day: string, over: Partial<StreamInfo> = {}): StreamInfo {
  return {
    key: `stream:engagement:${day}`,
    day,
    length: 1000,
    firstId: idAt(Date.parse(`${day}T00:00:00Z`)),
    lastId: idAt(Date.parse(`${day}T23:00:00Z`)),
    memoryBytes: 12345,
    groups: [],
    counts: { fromOldestUnacked: null, beforeCutoff: null, unackedBeforeCutoff: null },
    ...over,
  };
}

function group(over: Partial<GroupInfo> = {}): GroupInfo {
  return { name: 'conversion', pending: 0, oldestPendingId: null, lastDeliveredId: '0-0', lag: 0, ...over };
}

const base = { nowMs: NOW, retentionDays: 7, maxLen: 500, force: false };


describe('oldestUnackedId', () => {
  const s = stream('2026-11-30', { lastId: '500-0' });
  it('is null when every group has acked everything it was delivered, up to the last entry', () => {
    expect(oldestUnackedId({ ...s, groups: [group({ lastDeliveredId: '500-0' })] })).toBeNull();
  });
  it('is the oldest pending entry', () => {
    expect(oldestUnackedId({ ...s, groups: [group({ pending: 3, oldestPendingId: '120-0', lastDeliveredId: '500-0' })] })).toBe('120-0');
  });
  it('is the first undelivered entry when the group lags', () => {
    expect(oldestUnackedId({ ...s, groups: [group({ lastDeliveredId: '300-4' })] })).toBe('300-5');
  });
  it('takes the oldest over several groups', () => {
    const groups = [group({ lastDeliveredId: '300-0' }), group({ name: 'audit', pending: 1, oldestPendingId: '200-0', lastDeliveredId: '500-0' })];
    expect(oldestUnackedId({ ...s, groups })).toBe('200-0');
  });
  it('is null for a stream with no group (nobody consumes it)', () => {
    expect(oldestUnackedId(s)).toBeNull();
  });
});

describe('planTrim: retention', () => {
  it('keeps retentionDays days back from today', () => {
    expect(retentionFirstDay(NOW, 7)).toBe('2026-11-23');
  });

  it('deletes day streams before the retention window, fully acked', () => {
    const [old, kept] = planTrim([stream('2026-11-22', { groups: [group({ lastDeliveredId: idAt(Date.parse('2026-11-22T23:00:00Z')) })] }), stream('2026-11-23', { length: 10 })], base);
    expect(old).toMatchObject({ action: 'delete', expectedAfter: 0, held: false, unackedAtRisk: 0, guardMaxLength: 1000 });
    expect(kept).toMatchObject({ action: 'none', expectedAfter: 10 });
  });

  it('holds back an old day stream with pending entries: only the acked part before them is trimmed', () => {
    const pendingId = idAt(Date.parse('2026-11-20T10:00:00Z'));
    const s = stream('2026-11-20', { groups: [group({ pending: 4, oldestPendingId: pendingId, lastDeliveredId: idAt(Date.parse('2026-11-20T23:00:00Z')) })], counts: { fromOldestUnacked: 300, beforeCutoff: null, unackedBeforeCutoff: null } });
    const [p] = planTrim([s], base);
    expect(p).toMatchObject({ requested: 'delete', action: 'minid', threshold: pendingId, held: true, unackedAtRisk: 300, expectedAfter: 300 });
    expect(p!.reason).toMatch(/--force/);
  });

  it('with --force deletes it anyway and says how many unacked entries go', () => {
    const s = stream('2026-11-20', { groups: [group({ lastDeliveredId: '0-0' })], counts: { fromOldestUnacked: 1000, beforeCutoff: null, unackedBeforeCutoff: null } });
    const [p] = planTrim([s], { ...base, force: true });
    expect(p).toMatchObject({ action: 'delete', held: false, unackedAtRisk: 1000, guardMaxLength: null });
  });
});

describe('planTrim: MAXLEN', () => {
  it('leaves a stream within the cap alone', () => {
    expect(planTrim([stream('2026-11-30', { length: 400 })], base)[0]).toMatchObject({ action: 'none', held: false });
  });

  it('trims to MAXLEN ~ when the group has acked what would be dropped, guarded against growth', () => {
    const s = stream('2026-11-30', { groups: [group({ lastDeliveredId: '1-0' })], lastId: '9-0', counts: { fromOldestUnacked: 200, beforeCutoff: null, unackedBeforeCutoff: null } });
    const [p] = planTrim([s], base);
    expect(p).toMatchObject({ action: 'maxlen', threshold: '500', expectedAfter: 500, held: false, unackedAtRisk: 0, guardMaxLength: 1000 + 300 });
  });

  it('holds back when MAXLEN would reach unacked entries (pending or not yet delivered)', () => {
    const s = stream('2026-11-30', { firstId: '1-0', groups: [group({ pending: 10, oldestPendingId: '5-0', lastDeliveredId: '9-0' })], lastId: '9-9', counts: { fromOldestUnacked: 800, beforeCutoff: null, unackedBeforeCutoff: null } });
    const [p] = planTrim([s], base);
    expect(p).toMatchObject({ requested: 'maxlen', action: 'minid', threshold: '5-0', held: true, unackedAtRisk: 300, expectedAfter: 800 });
  });

  it('--force trims to MAXLEN anyway', () => {
    const s = stream('2026-11-30', { groups: [group({ pending: 10, oldestPendingId: '5-0', lastDeliveredId: '9-9' })], lastId: '9-9', counts: { fromOldestUnacked: 800, beforeCutoff: null, unackedBeforeCutoff: null } });
    expect(planTrim([s], { ...base, force: true })[0]).toMatchObject({ action: 'maxlen', held: false, unackedAtRisk: 300, guardMaxLength: null });
  });

  it('holds back with nothing to trim when the very first entry is unacked', () => {
    const s = stream('2026-11-30', { firstId: '5-0', groups: [group({ pending: 10, oldestPendingId: '5-0', lastDeliveredId: '9-9' })], lastId: '9-9', counts: { fromOldestUnacked: 1000, beforeCutoff: null, unackedBeforeCutoff: null } });
    expect(planTrim([s], base)[0]).toMatchObject({ action: 'none', held: true, unackedAtRisk: 500, expectedAfter: 1000 });
  });
});

describe('planTrim: --older-than', () => {
  const olderThanMs = 6 * 3600_000; // cutoff 2026-11-30T06:00Z
  const cutoff = idAt(NOW - olderThanMs);

  it('trims by MINID from the clock', () => {
    const s = stream('2026-11-30', { counts: { fromOldestUnacked: null, beforeCutoff: 250, unackedBeforeCutoff: null } });
    expect(planTrim([s], { ...base, olderThanMs })[0]).toMatchObject({ action: 'minid', threshold: cutoff, expectedAfter: 750, held: false });
  });

  it('does nothing when no entry is older than the cutoff', () => {
    const s = stream('2026-11-30', { firstId: idAt(NOW - 3600_000) });
    expect(planTrim([s], { ...base, olderThanMs })[0]).toMatchObject({ action: 'none' });
  });

  it('holds back at the oldest unacked entry when it is before the cutoff', () => {
    const unacked = idAt(NOW - 8 * 3600_000);
    const s = stream('2026-11-30', { groups: [group({ pending: 2, oldestPendingId: unacked, lastDeliveredId: idAt(NOW) })], lastId: idAt(NOW), counts: { fromOldestUnacked: 600, beforeCutoff: 250, unackedBeforeCutoff: 40 } });
    expect(planTrim([s], { ...base, olderThanMs })[0]).toMatchObject({ requested: 'minid', action: 'minid', threshold: unacked, held: true, unackedAtRisk: 40 });
  });

  it('is safe when the oldest unacked entry is after the cutoff', () => {
    const s = stream('2026-11-30', { groups: [group({ lastDeliveredId: idAt(NOW - 3600_000) })], lastId: idAt(NOW), counts: { fromOldestUnacked: 10, beforeCutoff: 250, unackedBeforeCutoff: 0 } });
    expect(planTrim([s], { ...base, olderThanMs })[0]).toMatchObject({ action: 'minid', threshold: cutoff, held: false, unackedAtRisk: 0 });
  });
});
