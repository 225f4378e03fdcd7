// Stream facts: the day streams of a window around today and launch day (no
// SCAN: day stream names are known), their consumer groups and dead letters.
import type { RedisClient } from '../../../adapters/redis.js';
import { readStreamWithGroups } from '../../../adapters/redis-streams.js';
import type { LaunchConfig } from '../../../config/schema.js';
import { utcDay, type Keys } from '../../../keys.js';
import { DAY_MS } from '../../../util/duration.js';
import type { GroupFacts, StreamFacts, StreamsFacts } from '../types.js';

/** Days before retention still looked at, to catch day streams that trim never deleted. */
export const EXTRA_DAYS_LOOKED_AT = 30;

/** The days whose streams are looked at: retention (+30 days) back from today, and launch day ± 1. Pure. */
export function streamWindowDays(nowMs: number, t0Ms: number | null, retentionDays: number): string[] {
  const days = new Set<string>();
  for (let d = -(retentionDays + EXTRA_DAYS_LOOKED_AT); d <= 1; d++) days.add(utcDay(nowMs + d * DAY_MS));
  if (t0Ms !== null) for (let d = -1; d <= 1; d++) days.add(utcDay(t0Ms + d * DAY_MS));
  return [...days].sort();
}

async function readStream(client: RedisClient, key: string, day: string): Promise<StreamFacts | null> {
  const reading = await readStreamWithGroups(client, key);
  if (reading === null) return null;
  const { info, groups, memoryBytes } = reading;
  return {
    key,
    day,
    length: info.length,
    entriesAdded: info.entriesAdded,
    bytes: memoryBytes,
    groups: groups.map(({ name, pending, lag, oldestPendingId }): GroupFacts => ({ name, pending, lag, oldestPendingId })),
  };
}

export async function readStreamsFacts(client: RedisClient, keys: Keys, config: LaunchConfig, nowMs: number): Promise<StreamsFacts> {
  const t0Ms = config.launch.t0 ? Date.parse(config.launch.t0) : null;
  const days = streamWindowDays(nowMs, t0Ms, config.streams.retentionDays);
  const [found, deadLetters] = await Promise.all([Promise.all(days.map((day) => readStream(client, keys.engagementStream(day), day))), client.xlen(keys.deadLetters())]);
  return { streams: found.filter((s): s is StreamFacts => s !== null), window: { from: days[0]!, to: days.at(-1)! }, deadLetters };
}
