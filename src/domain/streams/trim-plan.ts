// Pure trim planning for `launchctl trim` (STYLE.md habit 3: plan, then
// execute). Given what the reader found about each day stream, decide per
// stream: delete it (past streams.retentionDays), trim it (MAXLEN ~ or MINID ~
// from --older-than), or leave it, and never drop an entry a consumer group
// has not acked unless forced.
//
// Why the check is ours: before Redis 8.2, XTRIM ignores consumer groups. A
// trimmed entry that was pending stays in the PEL with no body, so a crashed
// consumer's work is lost (redis/redis#6199, #10756). An entry after the
// group's last-delivered-id was never read at all.
import { utcDay } from '../../keys.js';
import { DAY_MS } from '../../util/duration.js';
import { compareStreamIds, minStreamId, nextStreamId, streamIdAtMs } from '../../adapters/stream-id.js';

export interface GroupInfo {
  name: string;
  /** Entries delivered and not acked (the PEL). */
  pending: number;
  oldestPendingId: string | null;
  lastDeliveredId: string;
  /** Entries not delivered yet (XINFO GROUPS `lag`, Redis 7+; null when unknown). */
  lag: number | null;
}

export interface StreamInfo {
  key: string;
  day: string;
  length: number;
  firstId: string | null;
  lastId: string | null;
  memoryBytes: number | null;
  groups: GroupInfo[];
  /**
   * Counts the reader made on the server for the plan (null when not needed):
   * entries from the oldest unacked one on, entries before the --older-than
   * cutoff, and entries from the oldest unacked one up to that cutoff.
   */
  counts: { fromOldestUnacked: number | null; beforeCutoff: number | null; unackedBeforeCutoff: number | null };
}

export type TrimAction = 'delete' | 'maxlen' | 'minid' | 'none';

export interface TrimOptions {
  nowMs: number;
  retentionDays: number;
  /** MAXLEN ~ target, used when olderThanMs is not given. */
  maxLen: number;
  olderThanMs?: number;
  /** Drop unacked entries too. */
  force: boolean;
}

export interface StreamTrimPlan {
  key: string;
  day: string;
  before: number;
  memoryBytes: number | null;
  /** What the options ask for this stream. */
  requested: TrimAction;
  /** What will run: the request, or a MINID up to the oldest unacked entry when the request was held back. */
  action: TrimAction;
  /** MAXLEN count or MINID id of `action`. */
  threshold: string | null;
  /** Expected length after (MAXLEN ~ / MINID ~ may keep a few more: Redis drops whole nodes). */
  expectedAfter: number;
  /** The oldest entry some group has not acked (pending or not yet delivered), or null. */
  oldestUnackedId: string | null;
  /** Entries from the oldest unacked one on that the request would drop. */
  unackedAtRisk: number;
  /** The request was reduced so no unacked entry is dropped. */
  held: boolean;
  /**
   * The most entries the stream may hold when the action runs for the plan to
   * still be safe (new entries shift a MAXLEN window), or null for no guard.
   */
  guardMaxLength: number | null;
  reason: string;
  groups: GroupInfo[];
}

/** The oldest entry that some group still needs: its oldest pending entry, or the first one it has not been delivered. */
export function oldestUnackedId(stream: Pick<StreamInfo, 'lastId' | 'groups'>): string | null {
  const candidates: (string | null)[] = [];
  for (const g of stream.groups) {
    if (g.pending > 0) candidates.push(g.oldestPendingId);
    if (stream.lastId !== null && compareStreamIds(g.lastDeliveredId, stream.lastId) < 0) candidates.push(nextStreamId(g.lastDeliveredId));
  }
  return minStreamId(candidates);
}

/** The --older-than cutoff as a MINID. */
export function cutoffIdFor(nowMs: number, olderThanMs: number): string {
  return streamIdAtMs(nowMs - olderThanMs);
}

/** The first day that is kept: day streams before it are past retention. */
export function retentionFirstDay(nowMs: number, retentionDays: number): string {
  return utcDay(nowMs - retentionDays * DAY_MS);
}

export function planTrim(streams: readonly StreamInfo[], options: TrimOptions): StreamTrimPlan[] {
  const firstKeptDay = retentionFirstDay(options.nowMs, options.retentionDays);
  return [...streams].sort((a, b) => a.day.localeCompare(b.day)).map((s) => planStream(s, options, firstKeptDay));
}

function planStream(s: StreamInfo, options: TrimOptions, firstKeptDay: string): StreamTrimPlan {
  const unacked = oldestUnackedId(s);
  const fromUnacked = s.counts.fromOldestUnacked ?? 0;
  const base = { key: s.key, day: s.day, before: s.length, memoryBytes: s.memoryBytes, oldestUnackedId: unacked, groups: s.groups };
  const none = (reason: string): StreamTrimPlan => ({
    ...base,
    requested: 'none',
    action: 'none',
    threshold: null,
    expectedAfter: s.length,
    unackedAtRisk: 0,
    held: false,
    guardMaxLength: null,
    reason,
  });
  /** Instead of the request, drop only the entries before the oldest unacked one (all acked). */
  const holdBack = (requested: TrimAction, atRisk: number, reason: string): StreamTrimPlan => {
    const canTrim = unacked !== null && s.firstId !== null && compareStreamIds(s.firstId, unacked) < 0;
    return {
      ...base,
      requested,
      action: canTrim ? 'minid' : 'none',
      threshold: canTrim ? unacked : null,
      expectedAfter: canTrim ? fromUnacked : s.length,
      unackedAtRisk: atRisk,
      held: true,
      guardMaxLength: null,
      reason: `${reason}; held back: ${atRisk} entries from the oldest unacked one (${unacked}) on are kept (--force drops them)`,
    };
  };

  if (s.day < firstKeptDay) {
    const reason = `day before ${firstKeptDay} (streams.retentionDays ${options.retentionDays})`;
    if (unacked !== null && !options.force) return holdBack('delete', fromUnacked, reason);
    return {
      ...base,
      requested: 'delete',
      action: 'delete',
      threshold: null,
      expectedAfter: 0,
      unackedAtRisk: unacked === null ? 0 : fromUnacked,
      held: false,
      // Deleting is safe only if nothing arrived since the plan (new entries could be undelivered).
      guardMaxLength: options.force ? null : s.length,
      reason,
    };
  }

  if (options.olderThanMs !== undefined) {
    const cutoff = cutoffIdFor(options.nowMs, options.olderThanMs);
    if (s.firstId === null || compareStreamIds(s.firstId, cutoff) >= 0) return none(`no entry before ${cutoff}`);
    const reason = `entries before ${new Date(options.nowMs - options.olderThanMs).toISOString()} (--older-than)`;
    const atRisk = unacked !== null && compareStreamIds(unacked, cutoff) < 0 ? (s.counts.unackedBeforeCutoff ?? 0) : 0;
    if (atRisk > 0 && !options.force) return holdBack('minid', atRisk, reason);
    // New entries get newer IDs than the cutoff, so a MINID trim needs no guard.
    return {
      ...base,
      requested: 'minid',
      action: 'minid',
      threshold: cutoff,
      expectedAfter: Math.max(0, s.length - (s.counts.beforeCutoff ?? 0)),
      unackedAtRisk: atRisk,
      held: false,
      guardMaxLength: null,
      reason,
    };
  }

  if (s.length <= options.maxLen) return none(`${s.length} entries, within MAXLEN ${options.maxLen}`);
  const reason = `MAXLEN ~ ${options.maxLen}`;
  const atRisk = unacked !== null ? Math.max(0, fromUnacked - options.maxLen) : 0;
  if (atRisk > 0 && !options.force) return holdBack('maxlen', atRisk, reason);
  return {
    ...base,
    requested: 'maxlen',
    action: 'maxlen',
    threshold: String(options.maxLen),
    expectedAfter: options.maxLen,
    unackedAtRisk: atRisk,
    held: false,
    // Each entry added after the plan pushes the MAXLEN window one entry further into the unacked ones.
    guardMaxLength: unacked !== null && !options.force ? s.length + (options.maxLen - fromUnacked) : null,
    reason,
  };
}
