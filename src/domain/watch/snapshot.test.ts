import { describe, expect, it } from 'vitest';
import { launchPhase, phaseLabel } from '../launch/phase.js';
import { formatLaunchClock, readLaunchInfo } from './clock.js';
import { fitLine } from '../../output/terminal.js';
import { parseInfo } from '../../adapters/redis-replies.js';
import { mergeRedisStats, readRedisStats, readWarmStats } from './snapshot.js';

const INFO = [
  '# Server',
  'redis_version:7.0.15',
  'uptime_in_seconds:42',
  '',
  '# Clients',
  'connected_clients:3',
  'blocked_clients:1',
  '# Memory',
  'used_memory:2048',
  'maxmemory:4096',
  'maxmemory_policy:allkeys-lru',
  '# Stats',
  'total_commands_processed:100',
  'instantaneous_ops_per_sec:7',
  'keyspace_hits:9',
  'keyspace_misses:1',
  'evicted_keys:4',
  'expired_keys:5',
  'total_error_replies:3',
  '# Errorstats',
  'errorstat_OOM:count=2',
  'errorstat_ERR:count=1',
  '# Keyspace',
  'db0:keys=10,expires=2,avg_ttl=0',
  'db3:keys=5,expires=0,avg_ttl=0',
].join('\r\n');

describe('INFO parsing', () => {
  it('reads the fields the dashboard shows, summing keys over databases', () => {
    const stats = readRedisStats(parseInfo(INFO), 0.5);
    expect(stats).toMatchObject({
      version: '7.0.15',
      usedMemoryBytes: 2048,
      maxmemoryBytes: 4096,
      maxmemoryPolicy: 'allkeys-lru',
      connectedClients: 3,
      blockedClients: 1,
      totalCommands: 100,
      evictedKeys: 4,
      oomRejections: 2,
      keys: 15,
      pingMs: 0.5,
    });
  });

  it('reports OOM rejections as unknown (not 0) on a server without errorstats', () => {
    expect(readRedisStats(parseInfo('redis_version:6.0.9\r\n'), 1).oomRejections).toBeNull();
    expect(readRedisStats(parseInfo('total_error_replies:0\r\n'), 1).oomRejections).toBe(0);
  });

  it('sums the masters of a cluster and keeps the slowest PING', () => {
    const a = readRedisStats(parseInfo(INFO), 0.5);
    const merged = mergeRedisStats([a, { ...a, pingMs: 2, maxmemoryBytes: 0 }]);
    expect(merged).toMatchObject({ nodes: 2, usedMemoryBytes: 4096, keys: 30, pingMs: 2, maxmemoryBytes: 0, oomRejections: 4 });
  });
});

describe('warm replies', () => {
  it('counts alive markers and finds the soonest expiry (PTTL -2 missing, -1 no expiry)', () => {
    expect(readWarmStats(['/', '/a', '/b', '/c'], [5000, -2, -1, 1000])).toEqual({
      paths: [
        { path: '/', ttlMs: 5000 },
        { path: '/a', ttlMs: null },
        { path: '/b', ttlMs: -1 },
        { path: '/c', ttlMs: 1000 },
      ],
      alive: 3,
      total: 4,
      soonest: { path: '/c', ttlMs: 1000 },
    });
  });
});

describe('launch clock', () => {
  const t0 = Date.parse('2026-12-08T08:01:00Z');
  it.each([
    ['8 days out', -8 * 86_400_000, 'T-7', 'T-8d 00h'],
    ['a day out', -86_400_000, 'T-1', 'T-1d 00h'],
    ['an hour out', -3_600_000 - 5000, 'T-1', 'T-1h 00m'],
    ['at T-0', 0, 'T-0', 'T-0'],
    ['2h in', 2 * 3_600_000 + 65_000, 'T-0', 'T+2h 01m'],
    ['a day after', 86_400_000, 'T+1', 'T+1d 00h'],
  ])('%s', (_label, offset, phase, clock) => {
    expect(phaseLabel(launchPhase(t0, t0 + offset))).toBe(phase);
    expect(formatLaunchClock(readLaunchInfo('Acme', '2026-12-08T08:01:00Z', t0 + offset))).toBe(clock);
  });

  it('says so when launch.t0 is not set', () => {
    expect(readLaunchInfo('Acme', undefined, 0)).toEqual({ name: 'Acme', t0: null, offsetMs: null, phase: null });
  });
});

describe('formatting', () => {
  it('fits lines to a width without cutting colour codes', () => {
    expect(fitLine('abc', 5)).toBe('abc  ');
    expect(fitLine('\x1b[31mabcdef\x1b[39m', 3)).toBe('\x1b[31mabc\x1b[0m');
  });
});
