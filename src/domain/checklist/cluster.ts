// Redis Cluster for the checklist: the parsing of CLUSTER NODES. Pure. (A
// key's hash slot is src/adapters/key-slot.ts, which the consumer uses too.)
import { CLUSTER_SLOTS, crc16, keySlot } from '../../adapters/key-slot.js';

export { CLUSTER_SLOTS, crc16, keySlot };

export interface ClusterNode {
  id: string;
  /** host:port (the cluster bus port and announced host name are dropped). */
  address: string;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | null;
  /** CLUSTER NODES flags: myself, master, slave, fail?, fail, handshake, noaddr, nofailover... */
  flags: string[];
  linkState: string;
  /** Slot ranges served, inclusive (masters; empty for replicas). */
  slots: [number, number][];
}

/** How many slots a node serves. */
export function slotCount(node: ClusterNode): number {
  return node.slots.reduce((sum, [from, to]) => sum + to - from + 1, 0);
}

/** Whether the node is flagged failing: `fail` (agreed by the masters) or `fail?` (pfail: suspected by the node asked). */
export function isFlaggedFailing(node: ClusterNode): boolean {
  return node.flags.includes('fail') || node.flags.includes('fail?');
}

/**
 * CLUSTER NODES: one line per node,
 * `<id> <ip:port@cport[,hostname]> <flags> <master|-> <ping-sent> <pong-recv> <epoch> <link-state> <slot>...`,
 * where a slot is `N`, `N-M`, or `[N->-id]` / `[N-<-id]` while it migrates (skipped: the owner is still the one listed).
 */
export function parseClusterNodes(text: string): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(' ');
    if (parts.length < 8) continue;
    const [id, addr, flagText, master, , , , linkState, ...slotParts] = parts as [string, string, string, string, string, string, string, string, ...string[]];
    const flags = flagText.split(',');
    const slots: [number, number][] = [];
    for (const s of slotParts) {
      if (s.startsWith('[')) continue;
      const [from, to = from] = s.split('-').map(Number) as [number, number?];
      if (Number.isInteger(from) && Number.isInteger(to)) slots.push([from, to]);
    }
    nodes.push({
      id,
      address: addr.split('@')[0]!.split(',')[0]!,
      role: flags.includes('master') ? 'master' : 'replica',
      masterId: master === '-' ? null : master,
      flags,
      linkState,
      slots,
    });
  }
  return nodes;
}

/** slot → address of the master serving it (undefined for an uncovered slot). */
export function slotOwners(nodes: readonly ClusterNode[]): (slot: number) => string | undefined {
  const owner = new Array<string | undefined>(CLUSTER_SLOTS);
  for (const n of nodes) {
    if (n.role !== 'master') continue;
    for (const [from, to] of n.slots) for (let s = from; s <= to && s < CLUSTER_SLOTS; s++) owner[s] = n.address;
  }
  return (slot) => owner[slot];
}
