// `warm --repeat-after` keeps a launch day warm for hours: losing Redis at any
// point of a round (between rounds, or frozen in the middle of the
// --predictive read) costs that round, never the command. Once Redis is back,
// the markers are written again.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../src/adapters/redis-server.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { startCli } from '../helpers/cli.js';

const PATHS = ['/', '/pricing'];

describe('warm --repeat-after and a lost Redis', () => {
  let site: SiteStandIn;
  let dir: string;
  beforeAll(async () => {
    site = await startSiteStandIn({ paths: PATHS, renderMs: 1 });
    dir = await mkdtemp(join(tmpdir(), 'launchctl-warm-repeat-'));
  });
  afterAll(async () => {
    await site?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeConfig(name: string, url: string): Promise<string> {
    const file = join(dir, `${name}.json`);
    await writeFile(
      file,
      JSON.stringify({
        redis: { url, connectTimeoutMs: 500, commandTimeoutMs: 1000 },
        site: { origin: site.origin },
        warm: { paths: PATHS.map((path) => ({ path, ttl: 2 })), retries: 0 },
      }),
    );
    return file;
  }

  const markers = async (url: string) => {
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      return await Promise.all(PATHS.map((p) => client.exists(createKeys().warmMarker(p))));
    } finally {
      client.disconnect();
    }
  };

  it('Redis killed and restarted on the same port: the round says it lost Redis, the command goes on and warms again', { timeout: 60_000 }, async () => {
    let server = await startRedisServer();
    const port = server.port;
    const cli = startCli(['-c', await writeConfig('restart', server.url), 'warm', '--predictive', '--repeat-after', '1s']);
    try {
      await cli.until('round 1', () => cli.stdout().includes('round 1 done'), 20_000);
      await server.stop();
      await cli.until('a failed round', () => /round \d+ at .* failed: cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+/.test(cli.stdout()), 20_000);
      server = await startRedisServer({ port, startTimeoutMs: 15_000 });
      const before = cli.stdout().length;
      await cli.until('a warmed round after the restart', () => /round \d+ at .*2 warmed/.test(cli.stdout().slice(before)), 20_000);
      expect(await markers(server.url)).toEqual([1, 1]);
      expect(cli.child.exitCode).toBeNull();
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      expect(cli.stderr()).not.toMatch(/internal error|\n\s+at /);
    } finally {
      cli.child.kill('SIGKILL');
      await server.stop();
    }
  });

  it('Redis frozen in the middle of the --predictive read: that round fails naming the silence, later rounds warm', { timeout: 90_000 }, async () => {
    const server = await startRedisServer();
    const admin = new Redis(server.url);
    let frozen = false;
    // Enough engagement history that the predictive read takes many XREVRANGE pages.
    const stream = createKeys().engagementStream(utcDay(Date.now()));
    for (let batch = 0; batch < 10; batch++) {
      const pipeline = admin.pipeline();
      for (let i = 0; i < 10_000; i++) pipeline.xadd(stream, '*', 'payload', '{"path":"/pricing"}');
      await pipeline.exec();
    }
    const cli = startCli(['-c', await writeConfig('freeze', server.url), 'warm', '--predictive', '--repeat-after', '1s']);
    try {
      await cli.until('round 1', () => cli.stdout().includes('round 1 done'), 30_000);
      // Freeze the server as soon as a later round is paging through the stream.
      const deadline = Date.now() + 20_000;
      while (!frozen && Date.now() < deadline) {
        const clients = String(await admin.call('CLIENT', 'LIST'));
        if (/cmd=xrevrange/.test(clients)) {
          server.process.kill('SIGSTOP');
          frozen = true;
        }
      }
      expect(frozen).toBe(true);
      await cli.until('a round failed on the silence', () => /round \d+ at .* failed: Redis at redis:\/\/127\.0\.0\.1:\d+ gave no answer in 1 s/.test(cli.stdout()), 20_000);
      server.process.kill('SIGCONT');
      frozen = false;
      const before = cli.stdout().length;
      await cli.until('a warmed round after the thaw', () => /round \d+ at .*(2 warmed|2 skipped)/.test(cli.stdout().slice(before)), 30_000);
      expect(cli.child.exitCode).toBeNull();
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(130);
      expect(cli.stderr()).not.toMatch(/internal error|\n\s+at /);
    } finally {
      if (frozen) server.process.kill('SIGCONT');
      cli.child.kill('SIGKILL');
      admin.disconnect();
      await server.stop();
    }
  });
});
