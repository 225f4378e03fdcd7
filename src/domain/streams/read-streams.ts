// Reads what `trim` plans from: every engagement day stream (SCAN, never KEYS;
// every master of a cluster), its length, first and last entry, memory, and
// its consumer groups (pending, oldest pending entry, last delivered entry,
// lag), plus the few counts the plan needs, made on the server in slices.
import { luaScript, runScript } from '../../adapters/lua.js';
import { scanKeys, type RedisClient } from '../../adapters/redis.js';
import { readStreamWithGroups } from '../../adapters/redis-streams.js';
import type { Keys } from '../../keys.js';
import type { GroupInfo, StreamInfo } from './trim-plan.js';
import { oldestUnackedId } from './trim-plan.js';
import { compareStreamIds } from '../../adapters/stream-id.js';

/** The day streams (not the dead-letter stream), sorted by day. */
export async function findDayStreams(client: RedisClient, keys: Keys): Promise<{ key: string; day: string }[]> {
  const found = new Map<string, string>();
  for await (const batch of scanKeys(client, keys.engagementStreamPattern(), 1000, 'stream')) {
    for (const key of batch) {
      const day = keys.parseStreamDay(key);
      if (day !== null) found.set(key, day);
    }
  }
  return [...found].map(([key, day]) => ({ key, day })).sort((a, b) => a.day.localeCompare(b.day));
}

/** Entries one count-range call reads at most: a few ms of server time, so a launch-day Redis never stalls. */
export const COUNT_PER_CALL = 10_000;

export interface ReadStreamOptions {
  /** The --older-than cutoff (a MINID), when trimming by age. */
  cutoffId?: string;
}

/** Reads one stream; null when it vanished since the SCAN. */
export async function readStreamInfo(client: RedisClient, key: string, day: string, options: ReadStreamOptions = {}): Promise<StreamInfo | null> {
  const reading = await readStreamWithGroups(client, key);
  if (reading === null) return null;
  const { info, memoryBytes } = reading;
  const groups = reading.groups.map(({ name, pending, oldestPendingId, lastDeliveredId, lag }): GroupInfo => ({ name, pending, oldestPendingId, lastDeliveredId, lag }));
  const stream: StreamInfo = {
    key,
    day,
    length: info.length,
    firstId: info.firstEntryId,
    lastId: info.lastEntryId,
    memoryBytes,
    groups,
    counts: { fromOldestUnacked: null, beforeCutoff: null, unackedBeforeCutoff: null },
  };
  const unacked = oldestUnackedId(stream);
  const count = async (start: string, end: string) => {
    let total = 0;
    for (let from = start; from !== ''; ) {
      const [n, next] = (await runScript(client, COUNT_RANGE, [key, from, end, COUNT_PER_CALL])) as [number, string];
      total += Number(n);
      from = next;
    }
    return total;
  };
  if (unacked !== null) stream.counts.fromOldestUnacked = await count(unacked, '+');
  if (options.cutoffId !== undefined && stream.firstId !== null && compareStreamIds(stream.firstId, options.cutoffId) < 0) {
    stream.counts.beforeCutoff = await count('-', `(${options.cutoffId}`);
    if (unacked !== null && compareStreamIds(unacked, options.cutoffId) < 0) stream.counts.unackedBeforeCutoff = await count(unacked, `(${options.cutoffId}`);
  }
  return stream;
}

/** scripts/count-range.lua: KEYS[1] the day stream. */
const COUNT_RANGE = luaScript('countRange', import.meta.url, 'scripts/count-range.lua', 1);
