// Redis refusing a command (out of memory, a read-only replica, an ACL that
// lacks a command or key) is the dependency's answer, not a launchctl bug:
// exit 3 with the reason and a hint, no stack trace, no "internal error".
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { startSiteStandIn } from '../../src/standins/site.js';
import { runCli, type CliResult } from '../helpers/cli.js';

const ACL_PASSWORD = 'acl-Pw/7731+x';
const encoded = encodeURIComponent(ACL_PASSWORD);

function events(n: number): string {
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(JSON.stringify({ userId: `6f1c2f9e-2b1a-4c1e-9d1a-0000000000${String(i % 100).padStart(2, '0')}`, eventType: 'cta_click', payload: { path: '/pricing' }, timestamp: Date.now() }));
  }
  return `${lines.join('\n')}\n`;
}

function assertRefusal(r: CliResult, code: string) {
  const all = r.stdout + r.stderr;
  expect(r.code, all).toBe(3);
  expect(all).toContain(`refused the command (${code})`);
  expect(all).not.toMatch(/internal error|this is a bug|\n\s+at /);
  for (const form of [ACL_PASSWORD, encoded]) expect(all).not.toContain(form);
}

describe('Redis refusals', () => {
  let primary: RedisServerHandle;
  let replica: RedisServerHandle;
  let full: RedisServerHandle;
  let dir: string;

  beforeAll(async () => {
    [primary, full] = await Promise.all([startRedisServer(), startRedisServer({ args: ['--maxmemory-policy', 'noeviction'] })]);
    replica = await startRedisServer({ args: ['--replicaof', '127.0.0.1', String(primary.port)] });
    const admin = new Redis(primary.url);
    await admin.call('ACL', 'SETUSER', 'noxack', 'on', `>${ACL_PASSWORD}`, '~*', '&*', '+@all', '-xack');
    await admin.call('ACL', 'SETUSER', 'nohash', 'on', `>${ACL_PASSWORD}`, '~*', '&*', '+@all', '-hgetall');
    await admin.call('ACL', 'SETUSER', 'fewkeys', 'on', `>${ACL_PASSWORD}`, '~other:*', '&*', '+@all');
    admin.disconnect();
    dir = await mkdtemp(join(tmpdir(), 'launchctl-refusals-'));
    await writeFile(join(dir, 'launch.config.json'), JSON.stringify({ redis: { keyPrefix: 'refusals:', connectTimeoutMs: 1000, commandTimeoutMs: 2000 } }));
    await writeFile(join(dir, 'events.ndjson'), events(50));
  });

  afterAll(async () => {
    await Promise.all([replica?.stop(), primary?.stop(), full?.stop()]);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const run = (url: string, args: string[]) => runCli(['--redis', url, ...args], { cwd: dir });

  it('OOM: consume --once on a full Redis is exit 3 with the reason and where to look (trim, redis.headroom), also as JSON', async () => {
    expect((await run(full.url, ['ingest', 'events.ndjson'])).code).toBe(0);
    const admin = new Redis(full.url);
    await admin.config('SET', 'maxmemory', '1');
    admin.disconnect();
    const r = await run(full.url, ['consume', '--once']);
    assertRefusal(r, 'OOM');
    expect(r.stderr).toMatch(/out of memory/);
    expect(r.stderr).toContain('launchctl trim');
    expect(r.stderr).toContain('redis.headroom');
    const j = await run(full.url, ['--json', 'consume', '--once']);
    expect(j.code).toBe(3);
    expect((JSON.parse(j.stdout) as { error: unknown }).error).toMatchObject({ type: 'UnreachableError', exitCode: 3, message: expect.stringContaining('(OOM)') as unknown });
  });

  it('READONLY: ingest against a replica is exit 3 saying it is a replica and to use the primary', async () => {
    const r = await run(replica.url, ['ingest', 'events.ndjson']);
    assertRefusal(r, 'READONLY');
    expect(r.stderr).toMatch(/read-only replica/);
    expect(r.stderr).toMatch(/primary/);
  });

  it('READONLY under warm: the pages are fetched and reported, then exit 3 for the markers Redis refused; --json stays one document', async () => {
    const site = await startSiteStandIn({ paths: ['/', '/pricing'], renderMs: 1 });
    try {
      const config = join(dir, 'warm.config.json');
      await writeFile(config, JSON.stringify({ redis: { keyPrefix: 'refusals:', commandTimeoutMs: 2000 }, site: { origin: site.origin }, warm: { paths: [{ path: '/', ttl: 60 }, { path: '/pricing', ttl: 60 }], retries: 0 } }));
      const r = await runCli(['-c', config, '--redis', replica.url, 'warm'], { cwd: dir });
      assertRefusal(r, 'READONLY');
      expect(r.stdout).toMatch(/\/pricing/);
      const j = await runCli(['-c', config, '--redis', replica.url, '--json', 'warm'], { cwd: dir });
      expect(j.code).toBe(3);
      const doc = JSON.parse(j.stdout) as { paths: unknown[]; error: { exitCode: number; message: string } };
      expect(doc.paths).toHaveLength(2);
      expect(doc.error).toMatchObject({ exitCode: 3, message: expect.stringContaining('(READONLY)') as unknown });
    } finally {
      await site.stop();
    }
  });

  it('NOPERM: a user without a command is told which command, and how to grant it; the URL is masked', async () => {
    const r = await run(`redis://nohash:${encoded}@127.0.0.1:${primary.port}`, ['state', '--summary']);
    assertRefusal(r, 'NOPERM');
    expect(r.stderr).toContain('may not run HGETALL');
    expect(r.stderr).toContain('ACL SETUSER nohash +hgetall');
    expect(r.stderr).toContain(`redis://nohash:****@127.0.0.1:${primary.port}`);
  });

  it('NOPERM inside launchctl’s Lua script (consume without XACK) and on keys outside the ACL pattern', async () => {
    expect((await run(primary.url, ['ingest', 'events.ndjson'])).code).toBe(0);
    const script = await run(`redis://noxack:${encoded}@127.0.0.1:${primary.port}`, ['consume', '--once']);
    assertRefusal(script, 'NOPERM');
    expect(script.stderr).toMatch(/ACL user noxack may not run/);
    expect(script.stderr).toContain('ACL LOG');
    const keys = await run(`redis://fewkeys:${encoded}@127.0.0.1:${primary.port}`, ['state', '--summary']);
    assertRefusal(keys, 'NOPERM');
    expect(keys.stderr).toMatch(/may not access a key/);
    expect(keys.stderr).toContain('ACL SETUSER fewkeys ~<prefix>*');
  });
});
