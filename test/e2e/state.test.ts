// End to end: `launchctl state` as a process through pipes (CI cleared),
// against the run's redis-server: JSON shapes, exit codes, plain output.
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/adapters/redis-server.js';
import { createKeys } from '../../src/keys.js';
import { runCli, useCliConfigs } from '../helpers/cli.js';

describe('launchctl state (built CLI)', () => {
  const { client, writeConfig } = useCliConfigs('launchctl-state-e2e-');

  async function setup(): Promise<{ file: string; keys: ReturnType<typeof createKeys> }> {
    const { file, prefix } = await writeConfig();
    return { file, keys: createKeys(prefix) };
  }

  const json = (stdout: string) => {
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as Record<string, unknown>;
  };

  it('state <userId> --json: the documented shape, exit 0', async () => {
    const { file, keys } = await setup();
    const lastUpdated = Date.now() - 90_000;
    await client().set(keys.convState('u-1'), JSON.stringify({ variant: 'pricing', confidence: 0.7, lastUpdated, events: 3 }), 'EX', 600);
    const r = await runCli(['-c', file, '--json', 'state', 'u-1']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ version: 1, userId: 'u-1', variant: 'pricing', confidence: 0.7, lastUpdated });
    expect(doc.ttl).toBeGreaterThan(590);
  });

  it('state <userId> in plain text shows relative and absolute update time and TTL', async () => {
    const { file, keys } = await setup();
    const lastUpdated = Date.now() - 90_000;
    await client().set(keys.convState('u-2'), JSON.stringify({ variant: 'video', confidence: 0.1, lastUpdated }), 'EX', 600);
    const r = await runCli(['-c', file, 'state', 'u-2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/variant\s+video/);
    expect(r.stdout).toMatch(/1m 3\ds ago/);
    expect(r.stdout).toContain(new Date(lastUpdated).toISOString());
    expect(r.stdout).toMatch(/TTL left\s+(9m|10m)/);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('a user with no state: exit 1 with a clear message', async () => {
    const { file } = await setup();
    const r = await runCli(['-c', file, 'state', 'nobody']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no conversion state for user nobody');
    expect(r.stdout).toBe('');
  });

  it('--summary --json from the counters, exit 0', async () => {
    const { file, keys } = await setup();
    await client().hset(keys.convStats(), { events: 10, 'variant:default': 2, 'variant:pricing': 1, 'hist:0': 2, 'hist:7': 1, updatedAt: Date.now() });
    const r = await runCli(['-c', file, '--json', 'state', '--summary']);
    expect(r.code).toBe(0);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ version: 1, total: 3, variants: { default: 2, pricing: 1, video: 0 }, histogram: [2, 0, 0, 0, 0, 0, 0, 1, 0, 0] });
  });

  it('--summary in a log: ASCII bars, no colour', async () => {
    const { file, keys } = await setup();
    await client().hset(keys.convStats(), { 'variant:default': 4, 'variant:pricing': 2, 'hist:0': 6, updatedAt: Date.now() });
    const r = await runCli(['-c', file, 'state', '--summary']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/default\s+4\s+66\.7%\s+#+/);
    expect(r.stdout).not.toContain('█');
  });

  it('--summary --deep --json reports a planted corrupt value (exit 1); --repair --yes fixes it (exit 0)', async () => {
    const { file, keys } = await setup();
    await client().set(keys.convState('ok'), JSON.stringify({ variant: 'pricing', confidence: 0.65, lastUpdated: Date.now() }), 'EX', 600);
    await client().set(keys.convState('broken'), '{"variant":"pricing","conf', 'EX', 600);
    const r = await runCli(['-c', file, '--json', 'state', '--summary', '--deep']);
    expect(r.code).toBe(1);
    const doc = json(r.stdout);
    expect(doc).toMatchObject({ version: 1, total: 1, variants: { default: 0, pricing: 1, video: 0 }, corrupt: 1, corruptKeys: [keys.convState('broken')] });
    expect(doc.histogram).toEqual([0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);

    const dry = await runCli(['-c', file, 'state', '--summary', '--deep', '--repair']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('--yes');
    expect(await client().get(keys.convState('broken'))).toBe('{"variant":"pricing","conf');

    const fix = await runCli(['-c', file, '--json', 'state', '--summary', '--deep', '--repair', '--yes']);
    expect(fix.code).toBe(0);
    expect(json(fix.stdout)).toMatchObject({ corrupt: 1, repaired: 1, total: 2, countersRewritten: true });
    const after = await runCli(['-c', file, '--json', 'state', '--summary']);
    expect(json(after.stdout)).toMatchObject({ total: 2, variants: { default: 1, pricing: 1, video: 0 } });
  });

  it('bad flag combinations exit 2 naming the flag', async () => {
    const { file } = await setup();
    const r = await runCli(['-c', file, 'state', '--deep']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--deep works with --summary');
    const both = await runCli(['-c', file, 'state', 'u-1', '--summary']);
    expect(both.code).toBe(2);
  });

  it('an unreachable Redis exits 3 with the masked URL', async () => {
    const port = await findFreePort();
    const r = await runCli(['--redis', `redis://:hunter2@127.0.0.1:${port}`, 'state', '--summary']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`127.0.0.1:${port}`);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });
});
