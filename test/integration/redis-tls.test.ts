// The Redis factory against a real TLS redis-server (as ElastiCache or Upstash
// run it): rediss:// with a private CA, a certificate that is not trusted, and
// an ACL user over TLS. Certificates are made with openssl for this run (test/helpers/tls-redis.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeRedis, connectRedis } from '../../src/adapters/redis.js';
import { UnreachableError } from '../../src/errors.js';
import { makeConfig } from '../helpers/redis.js';
import { hasOpenssl, startTlsRedis, type TlsRedis } from '../helpers/tls-redis.js';

describe.skipIf(!hasOpenssl)('Redis over TLS', () => {
  let server: TlsRedis;
  let tlsPort: number;
  let caFile: string;

  beforeAll(async () => {
    server = await startTlsRedis();
    ({ port: tlsPort, caFile } = server);
  });

  afterAll(async () => {
    await server?.stop();
  });

  const settings = (url: string, caFile?: string) => makeConfig({ redis: { tls: { caFile } } }, url).redis;

  it('connects with rediss:// and the CA file, and creates an ACL user over TLS', async () => {
    const client = await connectRedis(settings(`rediss://127.0.0.1:${tlsPort}`, caFile));
    try {
      expect(await client.ping()).toBe('PONG');
      await client.call('ACL', 'SETUSER', 'app', 'on', '>app-pass-7f3', '~*', '+@all');
    } finally {
      await closeRedis(client);
    }
    const asApp = await connectRedis(settings(`rediss://app:app-pass-7f3@127.0.0.1:${tlsPort}`, caFile));
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
    const err = await connectRedis(settings(`rediss://app:wrong-pass-91@127.0.0.1:${tlsPort}`, caFile)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    const u = err as UnreachableError;
    expect(u.message).toContain(`rediss://app:****@127.0.0.1:${tlsPort}`);
    expect(u.message).toContain('authentication failed');
    expect(`${u.message} ${u.details.join(' ')}`).not.toContain('wrong-pass-91');
  });
});
