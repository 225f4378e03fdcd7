// No secret in any output (SPEC), whatever the URL's shape: a thousand seeded
// secrets full of URL-special characters through the masker, and a handful of
// shapes through every verb's error paths (text and JSON) against a port where
// nothing listens. No verb writes a secret to disk either (rehearse --keep).
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testSeed } from '../helpers/seed.js';
import { findFreePort } from '../../src/adapters/redis-server.js';
import { maskUrl } from '../../src/util/mask.js';
import { seededRandom } from '../../src/util/random.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { sharedRedisUrl } from '../helpers/redis.js';

const SEED = testSeed(2 ** 31);
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SPECIAL = '/+=@:?#%&!$~[]. ;,\'"';

/** A secret of 12–32 characters, at least a third of them URL-special. */
function makeSecret(random: () => number): string {
  const length = 12 + Math.floor(random() * 21);
  let s = '';
  for (let i = 0; i < length; i++) {
    const pool = i % 3 === 1 || random() < 0.3 ? SPECIAL : ALNUM;
    s += pool[Math.floor(random() * pool.length)];
  }
  return s;
}

/** The forms a secret could leak in: as is, URL-encoded, URL-decoded. */
function forms(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret), encodeURI(secret)]);
  try {
    out.add(decodeURIComponent(secret));
  } catch {
    // not decodable: nothing to add
  }
  return [...out];
}

/** Any run of 8 characters of the secret (a partial leak: the part after a "/" or a "#"). */
function leaks(text: string, secret: string): string | undefined {
  for (const form of forms(secret)) {
    if (text.includes(form)) return form;
    for (let i = 0; i + 8 <= form.length; i++) if (text.includes(form.slice(i, i + 8))) return form.slice(i, i + 8);
  }
  return undefined;
}

/**
 * The secret as a shape writes it. In the user slot a ":" is URL syntax
 * (`redis://ab:cd@host` is user "ab", password "cd", the shapes above), so a
 * password written there alone holds none.
 */
function asWritten(shape: string, secret: string): string {
  return shape === 'password in the user slot' ? secret.replaceAll(':', '') : secret;
}

type Shape = (secret: string, hostPort: string) => string;
const SHAPES: Record<string, Shape> = {
  'user:password': (s, h) => `redis://user:${s}@${h}`,
  ':password': (s, h) => `rediss://:${s}@${h}`,
  'password in the user slot': (s, h) => `redis://${asWritten('password in the user slot', s)}@${h}`,
  'encoded user:password': (s, h) => `redis://default:${encodeURIComponent(s)}@${h}/0`,
  'encoded user slot': (s, h) => `redis://${encodeURIComponent(s)}@${h}`,
};

/** No form of the secret in the output, no bug exit, no stack, and JSON that parses. */
function check(r: CliResult, what: string, secret: string) {
  const all = `${r.stdout}\n${r.stderr}`;
  const context = `seed ${SEED}, ${what}, secret ${JSON.stringify(secret)}\n${all}`;
  expect(leaks(all, secret), context).toBeUndefined();
  expect(r.code, context).not.toBe(70);
  expect(all, context).not.toMatch(/internal error|\n\s+at /);
  if (r.stdout.trimStart().startsWith('{')) expect(() => JSON.parse(r.stdout) as unknown, context).not.toThrow();
}

describe(`secrets (seed ${SEED}; rerun with TEST_SEED=${SEED})`, () => {
  const random = seededRandom(SEED);
  const secrets = Array.from({ length: 1000 }, () => makeSecret(random));

  it('the masker hides 1,000 secrets in every URL shape and keeps the host', () => {
    for (const secret of secrets) {
      for (const [name, shape] of Object.entries(SHAPES)) {
        const url = shape(secret, 'cache.example.net:6380');
        const masked = maskUrl(url);
        const leaked = leaks(masked, asWritten(name, secret));
        expect(leaked, `seed ${SEED}, shape "${name}", secret ${JSON.stringify(secret)}: ${masked}`).toBeUndefined();
        // Only the shape's own user name stays.
        expect(masked, `seed ${SEED}, shape "${name}", secret ${JSON.stringify(secret)}`).toMatch(/^rediss?:\/\/(user:|default:|:)?\*\*\*\*@cache\.example\.net:6380(\/0)?$/);
      }
    }
  });

  describe('every verb, against a port where nothing listens', () => {
    let dir: string;
    let hostPort: string;
    beforeAll(async () => {
      hostPort = `127.0.0.1:${await findFreePort()}`;
      dir = await mkdtemp(join(tmpdir(), 'launchctl-secrets-'));
      await writeFile(
        join(dir, 'launch.config.json'),
        JSON.stringify({
          redis: { connectTimeoutMs: 500, commandTimeoutMs: 500, keyPrefix: 'secrets:' },
          site: { origin: 'http://127.0.0.1:9' },
          warm: { paths: [{ path: '/', ttl: 60 }] },
          productHunt: { post: 'secrets', apiUrl: 'http://127.0.0.1:9/v2/api/graphql' },
        }),
      );
      await writeFile(join(dir, 'events.ndjson'), `${JSON.stringify({ userId: '6f1c2f9e-2b1a-4c1e-9d1a-000000000001', eventType: 'cta_click', payload: { path: '/' }, timestamp: Date.now() })}\n`);
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    const VERBS = [
      ['config', 'check'],
      ['--json', 'config', 'check'],
      ['warm'],
      ['ingest', 'events.ndjson'],
      ['consume', '--once'],
      ['--json', 'state', '--summary'],
      ['trim'],
      ['--json', 'ph'],
      ['watch', '--once'],
      ['checklist', 't-1'],
    ];

    it('no output (stdout, stderr, JSON) holds the secret in any form; an unreadable URL is exit 2 naming its source', { timeout: 120_000 }, async () => {
      const shapes = Object.entries(SHAPES);
      const jobs = VERBS.flatMap((verb, v) =>
        [0, 1, 2].map((k) => {
          const [name, shape] = shapes[(v + k * 2) % shapes.length]!;
          const secret = secrets[v * 3 + k]!;
          const url = shape(secret, hostPort);
          const viaFlag = k === 2;
          return async () => {
            const r = await runCli(viaFlag ? ['--redis', url, ...verb] : verb, { cwd: dir, env: viaFlag ? {} : { REDIS_URL: url, PH_TOKEN: 'tok-secrets' }, timeoutMs: 30_000 });
            const what = `launchctl ${verb.join(' ')} with a "${name}" URL from ${viaFlag ? '--redis' : 'REDIS_URL'}`;
            check(r, what, asWritten(name, secret));
            if (r.code === 2 && /URL|user name|password|host|database/.test(r.stderr)) expect(r.stderr, what).toContain(viaFlag ? '--redis' : 'REDIS_URL');
          };
        }),
      );
      // Three at a time: the machine is shared.
      const queue = [...jobs];
      await Promise.all(
        [0, 1, 2].map(async () => {
          for (let job = queue.shift(); job; job = queue.shift()) await job();
        }),
      );
    });

    it('a password written into the config file is masked in the validation error and in config check', async () => {
      const secret = secrets[999]!;
      const file = join(dir, 'with-url.json');
      await writeFile(file, JSON.stringify({ redis: { url: `redis://user:${encodeURIComponent(secret)}@${hostPort}` } }));
      const ok = await runCli(['-c', file, '--json', 'config', 'check'], { cwd: dir });
      check(ok, 'config check of a file holding the URL', secret);
      await writeFile(file, JSON.stringify({ redis: { url: `ftp://user:${encodeURIComponent(secret)}@${hostPort}` } }));
      const bad = await runCli(['-c', file, 'config', 'check'], { cwd: dir });
      expect(bad.code).toBe(2);
      check(bad, 'config check of a file holding a wrong-scheme URL', secret);
    });
  });

  it('rehearse --redis URL --keep leaves no password in the kept folder', { timeout: 90_000 }, async () => {
    const secret = secrets[500]!;
    const tmp = await mkdtemp(join(tmpdir(), 'launchctl-secrets-rehearse-'));
    try {
      // The default user is "nopass" on the test server: any password is accepted.
      const url = sharedRedisUrl().replace('redis://', `redis://default:${encodeURIComponent(secret)}@`);
      const r = await runCli(['--redis', url, 'rehearse', '--keep', '--users', '100', '--duration', '2s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
      check(r, 'rehearse --keep', secret);
      expect(r.code, r.stderr).toBe(0);
      const kept = /kept: (\S+)/.exec(r.stdout)?.[1];
      expect(kept, r.stdout).toBeDefined();
      expect(r.stdout).toContain('without the Redis URL');
      const walk = async (d: string): Promise<string[]> => {
        const out: string[] = [];
        for (const e of await readdir(d, { withFileTypes: true })) {
          const p = join(d, e.name);
          if (e.isDirectory()) out.push(...(await walk(p)));
          else out.push(p);
        }
        return out;
      };
      // An unreadable --redis URL: exit 2 naming --redis, before anything starts.
      const raw = `redis://:${secrets[501]!}@127.0.0.1:1`;
      const bad = await runCli(['--redis', raw, 'rehearse', '--keep', '--duration', '1s'], { env: { TMPDIR: tmp }, timeoutMs: 60_000 });
      check(bad, 'rehearse with an unreadable --redis URL', secrets[501]!);
      if (bad.code === 2) expect(bad.stderr).toContain('--redis');

      const files = await walk(tmp);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) expect(leaks(await readFile(f, 'utf8'), secret), `seed ${SEED}: ${f}`).toBeUndefined();
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
