/**
 * `launchctl ingest` when Redis is out of memory (noeviction): it never drops
 * an entry a consumer group has not acked.
 * - 20,000 undelivered events and a maxmemory just under what Redis uses:
 *   exit 3, StreamFullError naming used_memory / maxmemory, the stream, its
 *   length and the group's lag; the stream still holds all 20,000;
 * - with no group at all: the same, nothing removed;
 * - a group that acked the first 5,000 of 10,000 delivered entries: exactly
 *   those 5,000 are removed, the pending and undelivered ones stay, and the
 *   ingest then succeeds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { ingestEvents } from '../../src/domain/engagement/ingest.js';
import { runCli } from '../helpers/cli.js';
import { deletePrefix, makeConfig } from '../helpers/redis.js';
import { countMarkers, markedLine, todayStream, writeCliConfig, writeMarkedFile } from './ingest-helpers.js';

const BACKLOG = 20_000;
const GROUP = 'conversion';
let server: RedisServerHandle;
let raw: Redis;
let dir: string;
let input: string;

beforeAll(async () => {
  server = await startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] });
  raw = new Redis(server.url);
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-oom-'));
  input = await writeMarkedFile(dir, 'more.ndjson', 200);
});
afterAll(async () => {
  raw.disconnect();
  await server.stop();
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await raw.config('SET', 'maxmemory', '0');
  await deletePrefix(raw, 'oom');
});

/** 20,000 marked events in today's stream under `prefix`, through the library. */
async function fillBacklog(prefix: string): Promise<string> {
  const config = makeConfig({ streams: { maxLen: 1_000_000 } }, server.url, prefix);
  const client = await connectRedis(config.redis);
  try {
    const events = Array.from({ length: BACKLOG }, (_, i) => JSON.parse(markedLine(i + 1)) as Parameters<typeof ingestEvents>[0][number]);
    await ingestEvents(events, { redis: client, config });
  } finally {
    await closeRedis(client);
  }
  return todayStream(prefix);
}

/** maxmemory just under what Redis uses now: every write is refused until something is freed. */
async function runOutOfMemory(): Promise<void> {
  const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
  await raw.config('SET', 'maxmemory', String(used - 64 * 1024));
  await expect(raw.set('probe', 'x')).rejects.toThrow(/OOM/);
}

describe('ingest under OOM', () => {
  it('fails with exit 3 and the figures, and keeps all 20,000 undelivered entries', async () => {
    const stream = await fillBacklog('oom1:');
    await raw.xgroup('CREATE', stream, GROUP, '0');
    await runOutOfMemory();
    const r = await runCli(['-c', await writeCliConfig(dir, server.url, 'oom1:'), 'ingest', input]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/Redis is out of memory \(used_memory [\d.]+ MiB of maxmemory [\d.]+ MiB\)/);
    expect(r.stderr).toContain(`not added to ${stream} (length ${BACKLOG}; group ${GROUP}: lag ${BACKLOG}, pending 0)`);
    expect(r.stderr).toContain('every entry is still needed by a consumer group');
    expect(r.stderr).toContain(`--from-line 1`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await raw.xlen(stream)).toBe(BACKLOG);
  });

  it('removes nothing from a stream that has no consumer group yet', async () => {
    const stream = await fillBacklog('oom2:');
    await runOutOfMemory();
    const r = await runCli(['-c', await writeCliConfig(dir, server.url, 'oom2:'), 'ingest', input]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`(length ${BACKLOG}; no consumer group)`);
    expect(r.stderr).toContain('no consumer group yet');
    expect(await raw.xlen(stream)).toBe(BACKLOG);
  });

  it('removes exactly the entries the group acked, keeps pending and undelivered ones, then ingests', async () => {
    const stream = await fillBacklog('oom3:');
    await raw.xgroup('CREATE', stream, GROUP, '0');
    const delivered = (await raw.xreadgroup('GROUP', GROUP, 'c1', 'COUNT', BACKLOG / 2, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
    const ids = delivered[0]![1].map(([id]) => id);
    await raw.xack(stream, GROUP, ...ids.slice(0, BACKLOG / 4));
    await runOutOfMemory();
    const r = await runCli(['-c', await writeCliConfig(dir, server.url, 'oom3:'), 'ingest', input]);
    expect(r.stderr).toMatch(/removed 5000 entries every consumer group had acked/);
    expect(r.code, r.stderr).toBe(0);
    // The 15,000 unacked backlog entries (5,000 pending, 10,000 undelivered) are all there, and the 200 new ones.
    const counts = await countMarkers(raw, stream);
    const wrong: string[] = [];
    for (let line = 1; line <= BACKLOG; line++) {
      const expected = (line > BACKLOG / 4 ? 1 : 0) + (line <= 200 ? 1 : 0);
      if ((counts.get(line) ?? 0) !== expected) wrong.push(`line ${line}: ${counts.get(line) ?? 0} (expected ${expected})`);
    }
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(await raw.xlen(stream)).toBe(BACKLOG - BACKLOG / 4 + 200);
    const [pending] = (await raw.xpending(stream, GROUP)) as [number];
    expect(pending).toBe(BACKLOG / 4);
  });
});
