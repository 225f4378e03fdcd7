/**
 * `launchctl ingest` writes its chunks through its own RESP connection
 * (src/adapters/resp-connection.ts), opened with the options of the
 * client connectRedis made: over rediss:// with a private CA, as an ACL user,
 * in database 3, every event lands where that client would have put it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli } from '../helpers/cli.js';
import { makeConfig } from '../helpers/redis.js';
import { hasOpenssl, startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js';
import { markedLine } from '../faults/ingest-helpers.js';

describe.skipIf(!hasOpenssl)('ingest over TLS as an ACL user in database 3', () => {
  let dir: string;
  let server: TlsRedis | undefined;
  let tlsPort: number;
  let caFile: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-ingest-tls-'));
    server = await startTlsRedis();
    tlsPort = server.port;
    caFile = server.caFile;
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('every event lands in database 3, written as that user', async () => {
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
