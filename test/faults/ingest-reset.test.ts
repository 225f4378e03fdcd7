/**
 * Connection resets under ingest, through a TCP proxy in front of the run's
 * redis-server:
 * - `launchctl ingest` with connections reset at random moments, some right
 *   after Redis executed a transaction whose reply was then lost: every input
 *   line ends up in the stream exactly once (seeded; the seed is in the message);
 * - the library (docs/ingest.md, "Connection resets"): with a client that
 *   reconnects and re-sends (ioredis' default, connectRedis 'patient') a
 *   transaction whose reply was lost is written twice; with a client that does
 *   not reconnect by itself, the call fails and the events are in at most once.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../helpers/seed.js';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { ingestEngagement } from '../../src/domain/engagement/ingest.js';
import { startCli } from '../helpers/cli.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.js';
import { countMarkers, expectExactlyOnce, seededRandom, sleep, todayStream, writeCliConfig, writeMarkedFile } from './ingest-helpers.js';

const redis = useTestRedis();
let dir: string;
let proxy: TcpProxy | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-reset-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

function sharedPort(): number {
  return Number(new URL(redis.url()).port);
}

describe('ingest across connection resets', () => {
  const LINES = 40_000;

  it('writes every line exactly once while connections are reset at random moments', async () => {
    const file = await writeMarkedFile(dir, 'reset.ndjson', LINES);
    for (const seed of [testSeed(), 7, 1234]) {
      const random = seededRandom(seed);
      const prefix = `${redis.prefix()}${seed}:`;
      proxy = await startTcpProxy(sharedPort());
      const cli = startCli(['-c', await writeCliConfig(dir, proxy.url, prefix), '--json', 'ingest', file]);
      let exited = false;
      void cli.exited.then(() => (exited = true));
      // Faults from the first stored chunk on (a Redis unreachable at start is exit 3 by design).
      for (let i = 0; i < 200 && !exited && (await redis.client().xlen(todayStream(prefix))) === 0; i++) await sleep(25);
      let faults = 0;
      while (!exited) {
        await sleep(40 + random() * 160);
        if (exited) break;
        if (random() < 0.5) {
          // Redis executes what arrives, but the client never hears back.
          proxy.setMode('drop-replies');
          await sleep(20 + random() * 40);
        }
        proxy.resetAll();
        proxy.setMode('forward');
        faults++;
      }
      const context = `seed ${seed}, ${faults} resets\nstderr: ${cli.stderr().slice(-1500)}`;
      expect(await cli.exited, context).toBe(0);
      const doc = JSON.parse(cli.stdout()) as { reconnects: number };
      expect(doc, context).toMatchObject({ ingested: LINES, rejected: 0 });
      expect(doc.reconnects, context).toBeGreaterThan(0);
      expectExactlyOnce(await countMarkers(redis.client(), todayStream(prefix)), LINES, context);
      await proxy.close();
      proxy = undefined;
    }
  }, 90_000);
});

describe('the library across a connection reset (docs/ingest.md)', () => {
  let client: RedisClient | undefined;
  afterEach(async () => {
    if (client) await closeRedis(client);
    client = undefined;
  });

  /** One ingestEngagement call whose transaction Redis executes while the reply is lost, then a reset. */
  async function lostReply(c: RedisClient, config: ReturnType<typeof makeConfig>): Promise<{ outcome: unknown; length: number }> {
    const stream = todayStream(config.redis.keyPrefix);
    proxy!.setMode('drop-replies');
    const call = ingestEngagement({ userId: randomUUID(), eventType: 'hover', payload: { path: '/' }, timestamp: 1 }, { redis: c, config }).then(
      (id) => ({ id }),
      (err: unknown) => ({ err }),
    );
    for (let i = 0; i < 100 && (await redis.client().xlen(stream)) === 0; i++) await sleep(20);
    expect(await redis.client().xlen(stream)).toBe(1);
    proxy!.resetAll();
    proxy!.setMode('forward');
    const outcome = await Promise.race([call, sleep(5000).then(() => 'still pending after 5 s')]);
    await sleep(200);
    return { outcome, length: await redis.client().xlen(stream) };
  }

  it('a client that reconnects and re-sends (the default) writes the event twice: at-least-once', async () => {
    proxy = await startTcpProxy(sharedPort());
    const config = makeConfig({}, proxy.url, redis.prefix());
    client = await connectRedis(config.redis, 'patient');
    const { outcome, length } = await lostReply(client, config);
    expect(outcome).toMatchObject({ id: expect.stringMatching(/^\d+-\d+$/) as unknown });
    expect(length).toBe(2);
  });

  it('a client that does not reconnect by itself fails the call: the event is in at most once', async () => {
    proxy = await startTcpProxy(sharedPort());
    const config = makeConfig({}, proxy.url, redis.prefix());
    client = await connectRedis(config.redis, 'oneshot');
    (client.options as { retryStrategy?: () => null }).retryStrategy = () => null;
    const { outcome, length } = await lostReply(client, config);
    expect(outcome).toMatchObject({ err: expect.objectContaining({ message: expect.stringMatching(/Connection is closed/) as unknown }) as unknown });
    expect(length).toBe(1);
  });
});
