// Memory projected for the launch, per master: each master's used memory plus
// the growth of the keys it will own. Pure (redis.headroom renders it).
//
// - Day streams: the launch window's day stream keys are known (keys.ts), so
//   each one's slot, and so its master, is known: a master grows by the full
//   streams it will own, minus what the day streams it holds now already use
//   (they are in used_memory, and retention trims them away).
// - Conversion state: one key per user; user ids hash evenly over the slots, so
//   a master gets the share of the state that its share of the slots is. A key
//   prefix with a hash tag (`{app}:`) puts every key in one slot: then one
//   master gets all of it.
// On a standalone server (no layout) the one node gets everything.
import { DAY_MS } from '../../util/duration.js';
import { hashTag, utcDay, type Keys } from '../../keys.js';
import { CLUSTER_SLOTS, keySlot, slotCount, slotOwners, type ClusterNode } from './cluster.js';

export interface HeadroomMaster {
  address: string;
  usedMemory: number;
  /** maxmemory, or total system memory when there is none; 0 when neither is known. */
  limit: number;
}

export interface HeadroomInput {
  masters: readonly HeadroomMaster[];
  /** CLUSTER NODES of a cluster, or null for a standalone server. */
  layout: readonly ClusterNode[] | null;
  /** The day stream keys kept at the launch's peak (launchWindowStreamKeys). */
  streamKeys: readonly string[];
  /** Bytes each of those streams takes when full (maxLen × bytes per entry). */
  bytesPerStream: number;
  /** The day streams there are now, with their size. */
  currentStreams: readonly { key: string; bytes: number }[];
  /** Bytes of all conversion state at the launch (expected users × bytes per state). */
  stateBytes: number;
  /** A conversion state key (any user): its hash tag, if it has one, decides where all of them go. */
  sampleStateKey: string;
}

export interface MasterProjection extends HeadroomMaster {
  /** How many of the window's day streams this master will own. */
  streams: number;
  streamGrowth: number;
  /** Share of the conversion state this master gets (0..1). */
  stateShare: number;
  stateGrowth: number;
  projected: number;
}

/**
 * The day streams kept at the end of the launch's 24 hours: the day of
 * t0 + 24 h and the `retentionDays` − 1 days before it (a launch that starts
 * at 08:01 UTC writes into two UTC days). Without t0, from now.
 */
export function launchWindowStreamKeys(keys: Keys, t0Ms: number | null, nowMs: number, retentionDays: number): string[] {
  const end = (t0Ms ?? nowMs) + DAY_MS;
  return Array.from({ length: Math.max(1, retentionDays) }, (_, i) => keys.engagementStream(utcDay(end - i * DAY_MS)));
}

export function projectHeadroom(input: HeadroomInput): MasterProjection[] {
  const { masters, layout } = input;
  const ownerOf = layout ? slotOwners(layout) : null;
  const slotsOf = new Map((layout ?? []).filter((n) => n.role === 'master').map((n) => [n.address, slotCount(n)]));
  const stateTag = keySlot(input.sampleStateKey);
  const tagged = hashTag(input.sampleStateKey) !== null;
  return masters.map((m) => {
    // A master the layout does not list (an address the client sees differently): conservative, it owns everything.
    const owns = (key: string) => ownerOf === null || !slotsOf.has(m.address) || ownerOf(keySlot(key)) === m.address;
    const streams = input.streamKeys.filter(owns).length;
    const currentBytes = input.currentStreams.filter((s) => owns(s.key)).reduce((sum, s) => sum + s.bytes, 0);
    const streamGrowth = Math.max(0, streams * input.bytesPerStream - currentBytes);
    let stateShare = 1;
    if (ownerOf !== null && slotsOf.has(m.address)) {
      stateShare = tagged ? (ownerOf(stateTag) === m.address ? 1 : 0) : (slotsOf.get(m.address) ?? 0) / CLUSTER_SLOTS;
    }
    const stateGrowth = input.stateBytes * stateShare;
    return { ...m, streams, streamGrowth, stateShare, stateGrowth, projected: m.usedMemory + streamGrowth + stateGrowth };
  });
}

/** The master closest to (or furthest over) its limit; masters with no known limit are left out. */
export function worstProjection(projections: readonly MasterProjection[]): MasterProjection | undefined {
  return projections.filter((p) => p.limit > 0).sort((a, b) => b.projected / b.limit - a.projected / a.limit)[0];
}
