import { describe, expect, it } from 'vitest';
import { crc16, isFlaggedFailing, keySlot, parseClusterNodes, slotCount, slotOwners } from './cluster.js';

describe('keySlot', () => {
  it('CRC16 is the XMODEM variant of the cluster spec (check value of "123456789" is 0x31C3)', () => {
    expect(crc16(new TextEncoder().encode('123456789'))).toBe(0x31c3);
  });
  // Expected slots as CLUSTER KEYSLOT answers them on Redis 7.0 (the integration test asks a live cluster too).
  it.each([
    ['foo', 12182],
    ['123456789', 12739],
    ['{user1000}.following', 3443],
    ['foo{}{bar}', 8363],
    ['foo{{bar}}zap', 4015],
    ['foo{bar}{zap}', 5061],
    ['stream:engagement:2026-12-08', 7951],
    ['conv:state:ümlaut', 9033],
    ['', 0],
  ])('%s → %i', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
  it('keys with the same hash tag share a slot', () => {
    expect(keySlot('{app}:stream:engagement:2026-12-08')).toBe(keySlot('{app}:conv:state:42'));
  });
});

const NODES = [
  '07c37dfeb235213a872192d90877d0cd55635b91 127.0.0.1:30004@31004,host-4 slave e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 0 1426238317239 4 connected',
  '67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 1426238316232 2 connected 5461-10922',
  '292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 127.0.0.1:30003@31003 master,fail? - 0 1426238318243 3 connected 10923-16383 [10924->-67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1]',
  'e7d1eecce10fd6bb5eb35b9f99a514335d9ba9ca 127.0.0.1:30001@31001 myself,master - 0 0 1 connected 0-5459 5460',
  '824fe116063bc5fcf9f4ffd895bc17aee7731ac3 127.0.0.1:30006@31006 slave,fail 292f8b365bb7edb5e285caf0b7e6ddc7265d2f4f 0 1426238317741 6 disconnected',
].join('\r\n');

describe('parseClusterNodes', () => {
  const nodes = parseClusterNodes(`${NODES}\r\n`);
  it('reads addresses without the bus port or host name, roles, masters and flags', () => {
    expect(nodes.map((n) => [n.address, n.role, n.masterId?.slice(0, 4) ?? null, isFlaggedFailing(n)])).toEqual([
      ['127.0.0.1:30004', 'replica', 'e7d1', false],
      ['127.0.0.1:30002', 'master', null, false],
      ['127.0.0.1:30003', 'master', null, true],
      ['127.0.0.1:30001', 'master', null, false],
      ['127.0.0.1:30006', 'replica', '292f', true],
    ]);
  });
  it('reads slot ranges and single slots, skips migrating ones', () => {
    expect(nodes.map(slotCount)).toEqual([0, 5462, 5461, 5461, 0]);
    const owner = slotOwners(nodes);
    expect([owner(0), owner(5460), owner(5461), owner(10924), owner(16383)]).toEqual(['127.0.0.1:30001', '127.0.0.1:30001', '127.0.0.1:30002', '127.0.0.1:30003', '127.0.0.1:30003']);
  });
  it('a slot no master serves has no owner', () => {
    expect(slotOwners(parseClusterNodes('67ed2db8d677e59ec4a4cefb06858cf2a1a89fa1 127.0.0.1:30002@31002 master - 0 0 2 connected 0-99'))(100)).toBeUndefined();
  });
});
