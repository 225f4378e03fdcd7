// Warm markers and conversion counters: plain key reads (no SCAN).
import type { RedisClient } from '../../../adapters/redis.js';
import type { Keys } from '../../../keys.js';
import { readConversionSummary } from '../../state/summary.js';
import type { CounterFacts, MarkerFacts } from '../types.js';

/** One EXISTS per path (separate commands: in a cluster the markers live in different slots). */
export async function readMarkerFacts(client: RedisClient, keys: Keys, paths: string[]): Promise<MarkerFacts> {
  const present = await Promise.all(paths.map((p) => client.exists(keys.warmMarker(p))));
  return { paths: paths.map((path, i) => ({ path, present: present[i]! > 0 })) };
}

export async function readCounterFacts(client: RedisClient, keys: Keys): Promise<CounterFacts> {
  const s = await readConversionSummary(client, keys);
  return { events: s.events, users: s.users, deadLettered: s.deadLettered, variants: { ...s.variants }, updatedAt: s.updatedAt };
}
