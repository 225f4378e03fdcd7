// End to end: `launchctl trim` as a process through pipes (CI cleared),
// against the run's redis-server: JSON shape, exit 1 when unacked entries were
// held back, --force, --dry-run, bad flags.
import { describe, expect, it } from 'vitest';
import { createKeys, utcDay } from '../../src/keys.js';
import { runCli, useCliConfigs } from '../helpers/cli.js';

describe('launchctl trim (built CLI)', () => {
  const { client, writeConfig } = useCliConfigs('launchctl-trim-e2e-');

  /** A config and today's stream with `n` entries; a group that read `read` of them and acked `acked`. */
  async function setup(n: number, read = 0, acked = 0): Promise<{ file: string; key: string }> {
    const { file, prefix } = await writeConfig({ streams: { maxLen: 100 } });
    const key = createKeys(prefix).engagementStream(utcDay(Date.now()));
    const pipe = client().pipeline();
    for (let i = 0; i < n; i++) pipe.xadd(key, '*', 'userId', `u${i}`, 'eventType', 'scroll', 'payload', '{}', 'ts', String(Date.now()));
    await pipe.exec();
    if (read > 0) {
      await client().xgroup('CREATE', key, 'conversion', '0');
      const reply = (await client().xreadgroup('GROUP', 'conversion', 'c1', 'COUNT', read, 'STREAMS', key, '>')) as [string, [string, string[]][]][];
      const ids = reply[0]![1].map(([id]) => id);
      if (acked > 0) await client().xack(key, 'conversion', ...ids.slice(0, acked));
    }
    return { file, key };
  }

  it('--json: the documented shape; exit 0 when everything dropped was acked', async () => {
    const { file, key } = await setup(1000, 1000, 1000);
    const r = await runCli(['-c', file, '--json', 'trim']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const doc = JSON.parse(lines[0]!) as { version: number; streams: Record<string, unknown>[] };
    expect(doc.version).toBe(1);
    expect(doc.streams).toHaveLength(1);
    expect(doc.streams[0]).toMatchObject({ key, before: 1000, after: 100, trimmed: 900, deleted: false });
  });

  it('exit 1 and a report naming the group when unacked entries were held back; --force drops them', async () => {
    const { file, key } = await setup(1000, 500, 100);
    const r = await runCli(['-c', file, 'trim']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/would drop 800 entries not yet acked .*conversion: 400 pending, lag 500/);
    expect(r.stdout).toContain(key);
    expect(await client().xlen(key)).toBeGreaterThanOrEqual(900);
    expect((await client().xpending(key, 'conversion'))[0]).toBe(400);

    const forced = await runCli(['-c', file, '--json', 'trim', '--force']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ heldBack: 0, forcedUnacked: 800 });
    expect(forced.stderr).toContain('--force dropped');
    expect(await client().xlen(key)).toBe(100);
  });

  it('--dry-run shows the plan and changes nothing', async () => {
    const { file, key } = await setup(500);
    const r = await runCli(['-c', file, 'trim', '--dry-run', '--maxlen', '200']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dry run');
    expect(r.stdout).toContain('MAXLEN ~ 200');
    expect(await client().xlen(key)).toBe(500);
  });

  it('bad flags exit 2 naming the flag', async () => {
    const { file } = await setup(1);
    const r = await runCli(['-c', file, 'trim', '--older-than', 'a week']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--older-than');
    const both = await runCli(['-c', file, 'trim', '--older-than', '7d', '--maxlen', '5']);
    expect(both.code).toBe(2);
    const zero = await runCli(['-c', file, 'trim', '--maxlen', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--maxlen');
  });
});
