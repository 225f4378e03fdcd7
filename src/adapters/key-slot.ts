// A key's Redis Cluster hash slot (CRC16 of its hash tag or of the whole key,
// mod 16384, as the cluster spec defines it and CLUSTER KEYSLOT answers). Pure.
//
// Written here rather than imported from `cluster-key-slot`: that package is
// only a transitive dependency of ioredis (not in package.json, no types), so a
// stricter installer could leave it out.
import { hashTag } from '../keys.js';

export const CLUSTER_SLOTS = 16384;

/** CRC16-CCITT (XMODEM: polynomial 0x1021, initial value 0), the variant Redis Cluster uses. */
export function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

const utf8 = new TextEncoder();

/** The hash slot of a key: CRC16 of its hash tag (or of the whole key) mod 16384, like CLUSTER KEYSLOT. */
export function keySlot(key: string): number {
  return crc16(utf8.encode(hashTag(key) ?? key)) % CLUSTER_SLOTS;
}
