// End to end: the built CLI as a process, through pipes, CI cleared.
import { execSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('launchctl (built CLI)', () => {
  it('--help exits 0 and lists every verb', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const verb of ['warm', 'ingest', 'consume', 'trim', 'state', 'ph', 'watch', 'checklist', 'rehearse', 'config']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
  });

  it('an unknown verb is a usage error (exit 2)', async () => {
    const r = await runCli(['launch-it']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'launch-it'");
  });

  it('a missing config file named by LAUNCHCTL_CONFIG exits 2', async () => {
    const r = await runCli(['config', 'check'], { env: { LAUNCHCTL_CONFIG: 'no-such-launch.config.json' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config file not found');
    expect(r.stderr).toContain('(named by LAUNCHCTL_CONFIG)');
  });

  it('an invalid config exits 2 naming each field path; --json gets an error document', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-cli-'));
    try {
      const file = join(dir, 'bad.json');
      await writeFile(file, JSON.stringify({ warm: { paths: [{ path: '/', ttl: 300 }, { path: '/a', ttl: 5 }, { path: '/pricing', ttl: '300s' }] }, typo: true }));
      const r = await runCli(['-c', file, 'config', 'check']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain('warm.paths[2].ttl: expected a positive integer, received "300s"');
      expect(r.stderr).toContain('(config): unknown field "typo"');
      expect(r.stdout).toBe('');

      const j = await runCli(['-c', file, '--json', 'config', 'check']);
      expect(j.code).toBe(2);
      const doc = JSON.parse(j.stdout) as { version: number; error: { type: string; details: string[]; exitCode: number } };
      expect(doc).toMatchObject({ version: 1, error: { type: 'ConfigError', exitCode: 2 } });
      expect(doc.error.details).toContain('warm.paths[2].ttl: expected a positive integer, received "300s"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('config check masks the Redis password and only says whether secrets are set', async () => {
    const r = await runCli(['--json', 'config', 'check'], { env: { REDIS_URL: 'redis://app:s3cr3t-pass@127.0.0.1:6390', REVALIDATE_SECRET: 'rev-secret' } });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('s3cr3t-pass');
    const doc = JSON.parse(r.stdout) as { redisUrlSource: string; config: { redis: { url: string } } };
    expect(doc.config.redis.url).toBe('redis://app:****@127.0.0.1:6390');
    expect(doc.redisUrlSource).toBe('REDIS_URL');
  });

  it('a newcomer without a config file is told where it was looked for and the one command that makes one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-newcomer-'));
    try {
      const r = await runCli(['warm'], { cwd: dir });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`no config file: looked for ${join(dir, 'launch.config.json')} (LAUNCHCTL_CONFIG is not set)`);
      expect(r.stderr).toContain('site: required for warm');
      const command = /make one: (cp \S+ launch\.config\.json)/.exec(r.stderr)?.[1];
      expect(command, r.stderr).toMatch(/launch\.config\.example\.json launch\.config\.json$/);
      const defaults = await runCli(['config', 'check'], { cwd: dir });
      expect(defaults.code).toBe(0);
      expect(defaults.stderr).toContain(`no config file: looked for ${join(dir, 'launch.config.json')}`);
      expect(defaults.stderr).toContain(command);
      // The command works as printed, from where the user stands.
      execSync(command!, { cwd: dir });
      const check = await runCli(['config', 'check'], { cwd: dir });
      expect(check.code, check.stderr).toBe(0);
      expect(check.stdout).toContain(`config: ${join(dir, 'launch.config.json')} is valid`);

      const named = await runCli(['warm'], { cwd: dir, env: { LAUNCHCTL_CONFIG: 'elsewhere.json' } });
      expect(named.code).toBe(2);
      expect(named.stderr).toContain(`config file not found: ${join(dir, 'elsewhere.json')} (named by LAUNCHCTL_CONFIG)`);
      expect(named.stderr).toMatch(/make one: cp \S+launch\.config\.example\.json elsewhere\.json/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a Redis URL that cannot be read is a config error (exit 2) naming its variable, the password masked', async () => {
    // A base64 access key holding "/" (Azure Cache issues these): the URL parser stops at the "/".
    const url = 'rediss://:Ab3/xYz9+Secret=@cache.example.net:6380';
    for (const args of [['config', 'check'], ['--json', 'config', 'check'], ['state', '--summary'], ['ingest']]) {
      const r = await runCli(args, { env: { REDIS_URL: url } });
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/REDIS_URL: not a valid URL .*: rediss:\/\/:\*\*\*\*@cache\.example\.net:6380/);
      expect(r.stderr).toContain('percent-encode');
      expect(r.stdout + r.stderr).not.toMatch(/xYz9|Secret=|internal error/);
    }
    const flag = await runCli(['--redis', 'redis://secret-in-user-slot@127.0.0.1:1', 'config', 'check']);
    expect(flag.stdout + flag.stderr).not.toContain('secret-in-user-slot');
    const bad = await runCli(['--redis', 'redis://u:p@host:6379/zero', 'state', '--summary']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--redis: the database after "/" must be a number: redis://u:****@host:6379/zero');
  });

  it('config schema prints a JSON Schema with every section; --version prints the version', async () => {
    const r = await runCli(['config', 'schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(['launch', 'redis', 'site', 'warm', 'streams', 'conversion', 'productHunt', 'thresholds']));
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
