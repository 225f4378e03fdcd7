// The exporter's promises under faults (docs/metrics.md): a scrape never hangs
// and never fails because Redis did: a frozen server (SIGSTOP) gives
// launchctl_up 0 within the scrape deadline, and the exporter recovers by
// itself when the server comes back. And a scrape's cost does not grow with the
// number of state keys: no SCAN, no KEYS, the same commands for 10 or 5,000 users.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { parseCommandStats } from '../../src/domain/metrics/info.js';
import { openMetricsExporter, type MetricsExporter } from '../../src/domain/metrics/run.js';
import { makeConfig } from '../helpers/redis.js';

const DEADLINE_MS = 1500;

describe('launchctl metrics under faults', () => {
  let server: RedisServerHandle;
  let raw: Redis;
  let exporter: MetricsExporter;
  let stopped = false;
  beforeAll(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
    const config = makeConfig({ redis: { commandTimeoutMs: 1000, connectTimeoutMs: 1000 }, warm: { paths: [{ path: '/', ttl: 60 }] } }, server.url, 'fx:');
    exporter = await openMetricsExporter({ config, env: {}, deadlineMs: DEADLINE_MS });
  });
  afterAll(async () => {
    if (stopped) server.process.kill('SIGCONT');
    await exporter?.close();
    raw?.disconnect();
    await server?.stop();
  });

  /** The commands one scrape sends, from INFO commandstats before and after (the raw connection's INFOs subtracted). */
  async function commandsOfOneScrape(): Promise<Record<string, number>> {
    const before = parseCommandStats(String(await raw.call('INFO', 'commandstats')));
    await exporter.scrape();
    const after = parseCommandStats(String(await raw.call('INFO', 'commandstats')));
    const diff: Record<string, number> = {};
    for (const [cmd, n] of Object.entries(after)) if (n - (before[cmd] ?? 0) > 0) diff[cmd] = n - (before[cmd] ?? 0);
    // The second INFO commandstats above is ours, not the scrape's.
    if (diff.info === 1) delete diff.info;
    else if (diff.info !== undefined) diff.info -= 1;
    return diff;
  }

  it('sends the same commands for 10 users as for 5,000, and never SCAN or KEYS', async () => {
    const write = async (users: number) => {
      const pipeline = raw.pipeline();
      for (let i = 0; i < users; i++) pipeline.set(`fx:conv:state:u${i}`, JSON.stringify({ variant: 'default', confidence: 0.2, lastUpdated: 1 }));
      await pipeline.exec();
    };
    await write(10);
    await exporter.scrape();
    const small = await commandsOfOneScrape();
    await write(5000);
    const large = await commandsOfOneScrape();
    expect(large).toEqual(small);
    expect(Object.keys(large)).not.toContain('scan');
    expect(Object.keys(large)).not.toContain('keys');
  });

  it('a frozen Redis: every scrape answers within its deadline with launchctl_up 0, and up comes back by itself', async () => {
    expect((await exporter.scrape()).snapshot.up).toBe(true);
    server.process.kill('SIGSTOP');
    stopped = true;
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      const s = await exporter.scrape();
      expect(s.snapshot.up).toBe(false);
      expect(s.text).toMatch(/^launchctl_up 0$/m);
      expect(s.text).not.toMatch(/launchctl_stream_|launchctl_redis_/);
      // The promise is about time: the deadline plus the rendering, never the kernel's TCP timeout.
      expect(performance.now() - started).toBeLessThan(DEADLINE_MS + 1000);
    }
    server.process.kill('SIGCONT');
    stopped = false;
    let up = false;
    for (let i = 0; i < 20 && !up; i++) {
      up = (await exporter.scrape()).snapshot.up;
      if (!up) await new Promise((r) => setTimeout(r, 250));
    }
    expect(up).toBe(true);
  });
});
