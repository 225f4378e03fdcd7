/**
 * `launchctl ingest` writes its chunks through its own RESP connection
 * (src/domain/engagement/resp-connection.ts), opened with the options of the
 * client connectRedis made: over rediss:// with a private CA, as an ACL user,
 * in database 3, every event lands where that client would have put it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli } from '../helpers/cli.js';
import { makeConfig } from '../helpers/redis.js';
import { markedLine } from '../faults/ingest-helpers.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!hasOpenssl)('ingest over TLS as an ACL user in database 3', () => {
  let dir: string;
  let server: RedisServerHandle;
  let tlsPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-ingest-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=launchctl test CA');
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
    await writeFile(join(dir, 'ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.crt', '-days', '2', '-extfile', 'ext');
    tlsPort = await findFreePort();
    server = await startRedisServer({
      args: ['--port', '0', '--tls-port', String(tlsPort), '--tls-cert-file', join(dir, 'server.crt'), '--tls-key-file', join(dir, 'server.key'), '--tls-ca-cert-file', join(dir, 'ca.crt'), '--tls-auth-clients', 'no'],
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('every event lands in database 3, written as that user', async () => {
    const caFile = join(dir, 'ca.crt');
    const admin = await connectRedis(makeConfig({ redis: { tls: { caFile } } }, `rediss://127.0.0.1:${tlsPort}`).redis);
    try {
      await admin.call('ACL', 'SETUSER', 'ingester', 'on', '>ingest-pass-9c1', '~*', '+@all');
      // Without its AUTH, a connection would be refused (NOAUTH) rather than run as the default user.
      await admin.call('ACL', 'SETUSER', 'default', 'off');
      const file = join(dir, 'events.ndjson');
      await writeFile(file, `${Array.from({ length: 2500 }, (_, i) => markedLine(i + 1)).join('\n')}\n`);
      const config = join(dir, 'launch.config.json');
      await writeFile(config, JSON.stringify({ redis: { url: `rediss://ingester:ingest-pass-9c1@127.0.0.1:${tlsPort}/3`, keyPrefix: 'tls:', tls: { caFile } } }));
      const r = await runCli(['-c', config, '--json', 'ingest', file]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ ingested: 2500 });
      const stream = createKeys('tls:').engagementStream(utcDay(Date.now()));
      const check = await connectRedis(makeConfig({ redis: { tls: { caFile } } }, `rediss://ingester:ingest-pass-9c1@127.0.0.1:${tlsPort}/3`).redis);
      try {
        expect(await check.call('XLEN', stream)).toBe(2500);
        await check.call('SELECT', '0');
        expect(await check.call('EXISTS', stream)).toBe(0);
      } finally {
        await closeRedis(check);
      }
    } finally {
      await closeRedis(admin);
    }
  });
});
