/**
 * `launchctl consume` as a long-running process: it applies entries as they
 * arrive, and on SIGTERM finishes the batch in flight, acks, prints its summary
 * and exits 130, leaving nothing pending.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { ingestEvents } from '../../src/domain/engagement/ingest.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { startCli } from '../helpers/cli.js';
import { makeConfig, useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-consume-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('launchctl consume (long-running)', () => {
  it('applies entries as they arrive; SIGTERM finishes, acks, prints the summary, exits 130', async () => {
    const prefix = redis.prefix();
    const configPath = join(dir, 'launch.config.json');
    await writeFile(configPath, JSON.stringify({ redis: { keyPrefix: prefix } }));
    const cli = startCli(['-c', configPath, '--redis', redis.url(), 'consume', '--block', '200ms']);

    const keys = createKeys(prefix);
    const raw = redis.client();
    const config = makeConfig({}, redis.url(), prefix);
    const client = await connectRedis(config.redis);
    try {
      // Wait for the consumer to be up (it prints its name), then send events in a few waves.
      await cli.until('the consumer to start', () => cli.stderr().includes('consume: consumer'));
      const user = randomUUID();
      for (let wave = 0; wave < 4; wave++) {
        await ingestEvents(
          Array.from({ length: 500 }, (_, i) => ({ userId: i === 0 ? user : randomUUID(), eventType: 'hover' as const, payload: {}, timestamp: wave * 1000 + i })),
          { redis: client, config },
        );
        await new Promise((r) => setTimeout(r, 50));
      }
      const deadline = Date.now() + 15_000;
      while (Number((await raw.hget(keys.convStats(), 'events')) ?? 0) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      cli.child.kill('SIGTERM');
      expect(await cli.exited).toBe(130);
      expect(cli.stderr()).toContain('SIGTERM: finishing the work in flight');
      expect(cli.stdout()).toMatch(/^processed 2000 entries \(2000 applied, 0 already applied\), dead-lettered 0, reclaimed 0 in /);
      expect(JSON.parse((await raw.get(keys.convState(user)))!)).toMatchObject({ events: 4, confidence: 0.8, variant: 'pricing' });
      const [pending] = (await raw.xpending(keys.engagementStream(utcDay(Date.now())), 'conversion')) as [number];
      expect(pending).toBe(0);
    } finally {
      cli.child.kill('SIGKILL');
      await closeRedis(client);
    }
  });
});
