// What a stream holds, read the same way for `trim` (to plan) and `checklist`
// (streams.* facts): XINFO STREAM, then XINFO GROUPS with each group's oldest
// pending entry (XPENDING summary, only when something is pending) and MEMORY
// USAGE side by side. A handful of commands per stream, whatever its length.
import type { RedisClient } from './redis.js';
import { numberOrNull, parseXinfoGroups, parseXinfoStream, type XinfoGroup, type XinfoStream } from './redis-replies.js';

export interface StreamGroupReading extends XinfoGroup {
  /** Entry id of the oldest pending entry, or null when nothing is pending. */
  oldestPendingId: string | null;
}

export interface StreamReading {
  info: XinfoStream;
  groups: StreamGroupReading[];
  /** MEMORY USAGE, or null where the command is not allowed. */
  memoryBytes: number | null;
}

async function readGroups(client: RedisClient, key: string): Promise<StreamGroupReading[]> {
  const groups = parseXinfoGroups(await client.call('XINFO', 'GROUPS', key));
  return Promise.all(
    groups.map(async (group) => {
      let oldestPendingId: string | null = null;
      if (group.pending > 0) {
        const summary = (await client.call('XPENDING', key, group.name)) as [number, string | null, ...unknown[]];
        oldestPendingId = summary[1] ?? null;
      }
      return { ...group, oldestPendingId };
    }),
  );
}

/** Reads one stream and its groups; null when the stream does not exist (or vanished since a SCAN). */
export async function readStreamWithGroups(client: RedisClient, key: string): Promise<StreamReading | null> {
  let info: XinfoStream;
  try {
    info = parseXinfoStream(await client.call('XINFO', 'STREAM', key));
  } catch (err) {
    if (err instanceof Error && /no such key/i.test(err.message)) return null;
    throw err;
  }
  const [groups, memoryBytes] = await Promise.all([info.groups > 0 ? readGroups(client, key) : Promise.resolve([]), readMemoryUsage(client, key)]);
  return { info, groups, memoryBytes };
}

/** MEMORY USAGE in bytes, or null where the command is not allowed (some managed services). */
export async function readMemoryUsage(client: RedisClient, key: string): Promise<number | null> {
  try {
    return numberOrNull(await client.call('MEMORY', 'USAGE', key));
  } catch {
    return null;
  }
}
