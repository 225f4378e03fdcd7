// The Redis factory against a real TLS redis-server (as ElastiCache or Upstash
// run it): rediss:// with a private CA, a certificate that is not trusted, and
// an ACL user over TLS. Certificates are made with openssl for this run.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { UnreachableError } from '../../src/errors.js';
import { makeConfig } from '../helpers/redis.js';

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!hasOpenssl)('Redis over TLS', () => {
  let dir: string;
  let server: RedisServerHandle;
  let tlsPort: number;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-tls-'));
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

  const settings = (url: string, caFile?: string) => makeConfig({ redis: { tls: { caFile } } }, url).redis;

  it('connects with rediss:// and the CA file, and creates an ACL user over TLS', async () => {
    const client = await connectRedis(settings(`rediss://127.0.0.1:${tlsPort}`, join(dir, 'ca.crt')));
    try {
      expect(await client.ping()).toBe('PONG');
      await client.call('ACL', 'SETUSER', 'app', 'on', '>app-pass-7f3', '~*', '+@all');
    } finally {
      await closeRedis(client);
    }
    const asApp = await connectRedis(settings(`rediss://app:app-pass-7f3@127.0.0.1:${tlsPort}`, join(dir, 'ca.crt')));
    try {
      expect(await asApp.call('ACL', 'WHOAMI')).toBe('app');
    } finally {
      await closeRedis(asApp);
    }
  });

  it('an untrusted certificate is exit 3 naming the cause and redis.tls.caFile', async () => {
    const err = await connectRedis(settings(`rediss://127.0.0.1:${tlsPort}`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    const u = err as UnreachableError;
    expect(u.exitCode).toBe(3);
    expect(u.message).toBe(`cannot reach Redis at rediss://127.0.0.1:${tlsPort} (SELF_SIGNED_CERT_IN_CHAIN)`);
    expect(u.details.join(' ')).toContain('redis.tls.caFile');
  });

  it('a wrong ACL password is exit 3 "authentication failed", the password masked', async () => {
    const err = await connectRedis(settings(`rediss://app:wrong-pass-91@127.0.0.1:${tlsPort}`, join(dir, 'ca.crt'))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    const u = err as UnreachableError;
    expect(u.message).toContain(`rediss://app:****@127.0.0.1:${tlsPort}`);
    expect(u.message).toContain('authentication failed');
    expect(`${u.message} ${u.details.join(' ')}`).not.toContain('wrong-pass-91');
  });
});
