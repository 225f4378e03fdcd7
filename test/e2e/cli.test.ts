// End to end: the built CLI as a process, through pipes, CI cleared.
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
