/**
 * Redis killed under `launchctl trim` at random moments: every run ends with
 * exit 3 naming the Redis URL (or 0/1 when the kill came after the work), never
 * a stack trace or "internal error". The seed is printed on failure.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../helpers/seed.js';
import { seededRandom } from '../../src/domain/engagement/simulate.js';
import { createKeys } from '../../src/keys.js';
import { startCli } from '../helpers/cli.js';
import { startFaultServer } from '../helpers/faults.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-trim-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('trim when Redis goes away', () => {
  it('exits 3 with the URL, never a stack trace, whenever Redis is killed', { timeout: 120_000 }, async () => {
    const seed = testSeed();
    const random = seededRandom(seed);
    const keys = createKeys('t:');
    const outcomes: string[] = [];
    for (let round = 0; round < 4; round++) {
      const server = await startFaultServer();
      const raw = server.client();
      // Thirty day streams of 3,000 entries with a group that acked half: reading,
      // planning and trimming them takes long enough to be interrupted anywhere.
      const today = Date.now();
      for (let d = 0; d < 30; d++) {
        const day = new Date(today - d * 86_400_000).toISOString().slice(0, 10);
        const stream = keys.engagementStream(day);
        const pipeline = raw.pipeline();
        for (let i = 0; i < 3000; i++) pipeline.xadd(stream, '*', 'userId', 'x', 'eventType', 'hover', 'payload', '{}', 'ts', '1');
        pipeline.xgroup('CREATE', stream, 'conversion', '0');
        pipeline.xreadgroup('GROUP', 'conversion', 'c', 'COUNT', 1500, 'STREAMS', stream, '>');
        await pipeline.exec();
      }
      const config = join(dir, `launch-${round}.json`);
      await writeFile(config, JSON.stringify({ redis: { url: server.url, keyPrefix: 't:' } }));
      const p = startCli(['-c', config, 'trim', '--maxlen', '100']);
      // The kill lands a random moment after trim connected (however slowly the
      // machine starts processes), while it reads, plans or trims.
      for (let i = 0; i < 1000; i++) {
        const clients = /connected_clients:(\d+)/.exec(String(await raw.info('clients')))?.[1];
        if (Number(clients) >= 2 || p.child.exitCode !== null) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, Math.floor(random() * 60)));
      raw.disconnect();
      await server.stop();
      const code = await p.exited;
      const context = `seed ${seed} round ${round} exit ${code}\n${p.stderr()}`;
      outcomes.push(String(code));
      expect([0, 1, 3], context).toContain(code);
      if (code === 3) expect(p.stderr(), context).toMatch(/Redis at redis:\/\/127\.0\.0\.1:\d+/);
      expect(p.stderr(), context).not.toMatch(/internal error|\n {4}at |Unhandled/);
    }
    // The kills landed while trim was working at least once (otherwise this test proves nothing).
    expect(outcomes, `seed ${seed}`).toContain('3');
  });
});
