import { describe, expect, it } from 'vitest';
import { createKeys, hashTag, progressSharesSlot } from './keys.js';

/** Redis Cluster's slot of a key: CRC16 (XMODEM) of its hash tag, or of the whole key, mod 16384. */
function calculateSlot(key: string): number {
  let crc = 0;
  for (const byte of Buffer.from(hashTag(key) ?? key)) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

describe('ingest progress key', () => {
  it.each(['', 'app:', '{app}:', 'a{b}c:', '{x}{y}:'])('shares the day stream’s cluster slot with prefix "%s"', (prefix) => {
    const keys = createKeys(prefix);
    const stream = keys.engagementStream('2026-12-08');
    expect(progressSharesSlot(prefix)).toBe(true);
    expect(calculateSlot(keys.ingestProgress(stream))).toBe(calculateSlot(stream));
  });

  it('names the prefixes with braces but no hash tag, where no other key is sure to share the slot', () => {
    for (const prefix of ['{}:', 'a{b:', 'a}b:']) expect(progressSharesSlot(prefix), prefix).toBe(false);
  });

  it('reads hash tags the way Redis Cluster does', () => {
    // The CLUSTER KEYSLOT figures from the Redis Cluster specification's examples.
    expect(calculateSlot('123456789')).toBe(0x31c3 % 16384);
    expect(hashTag('{user1000}.following')).toBe('user1000');
    expect(hashTag('foo{}{bar}')).toBeNull();
    expect(hashTag('foo{{bar}}zap')).toBe('{bar');
    expect(hashTag('foo{bar}{zap}')).toBe('bar');
    expect(hashTag('plain')).toBeNull();
  });
});
