// `--help` and `--version` load no Redis, HTTP, schema or rendering library
// (SPEC). Checked by recording every module the start-up resolves, not by
// timing it: a stray import chain fails this test on any machine.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../helpers/cli.js';

const HEAVY = ['zod', 'ioredis', 'undici', 'ora', 'cli-table3', 'prom-client'];

describe('--help and --version stay light', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'launchctl-help-light-'));
    await writeFile(
      join(dir, 'hook.mjs'),
      "import { appendFileSync } from 'node:fs';\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.LC_MODLOG, r.url + '\\n'); return r; }\n",
    );
    await writeFile(join(dir, 'register.mjs'), "import { register } from 'node:module';\nregister(new URL('./hook.mjs', import.meta.url));\n");
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Every module URL resolved while the CLI runs `args`. */
  async function modulesLoaded(args: string[], name: string): Promise<{ code: number | null; stdout: string; modules: string[] }> {
    const log = join(dir, `${name}.log`);
    await writeFile(log, '');
    const { code, stdout } = await new Promise<{ code: number | null; stdout: string }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', join(dir, 'register.mjs'), BIN, ...args], { env: { ...process.env, LC_MODLOG: log } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out }));
    });
    return { code, stdout, modules: (await readFile(log, 'utf8')).split('\n').filter(Boolean) };
  }

  const heavyIn = (modules: string[]) => HEAVY.filter((pkg) => modules.some((m) => m.includes(`/node_modules/${pkg}/`)));

  it.each([
    [['--help'], 'help', /Usage:/],
    [['--version'], 'version', /^\d+\.\d+\.\d+/],
    [['warm', '--help'], 'warm-help', /--repeat-after/],
  ])('launchctl %j loads none of zod, ioredis, undici, ora, cli-table3, prom-client', async (args, name, expected) => {
    const r = await modulesLoaded(args, name);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(expected);
    // The hook saw the start-up (else an empty log would pass vacuously).
    expect(r.modules.some((m) => m.endsWith('/dist/main.js'))).toBe(true);
    expect(heavyIn(r.modules)).toEqual([]);
  });

  it('the hook does see a heavy import when a verb runs (the check can fail)', async () => {
    const r = await modulesLoaded(['config', 'schema'], 'schema');
    expect(heavyIn(r.modules)).toContain('zod');
  });
});
