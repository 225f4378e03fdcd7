// Runs the built CLI as a user would: a child process through pipes, with CI
// cleared ("exercise normal user behaviour regardless of where the tests run").
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { deletePrefix, sharedRedisUrl, testPrefix } from './redis.js';

export const BIN = fileURLToPath(new URL('../../bin/launchctl.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

export interface RunCliOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  input?: string;
  timeoutMs?: number;
}

/** The test's environment without what would change the CLI's behaviour (CI, colours, Redis URL, config path); `overrides` on top (undefined removes). */
function cliEnv(overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = { ...process.env, CI: undefined, GITHUB_ACTIONS: undefined, NO_COLOR: undefined, REDIS_URL: undefined, LAUNCHCTL_CONFIG: undefined, ...overrides };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return env as Record<string, string>;
}

export function runCli(args: string[], options: RunCliOptions = {}): Promise<CliResult> {
  const env = cliEnv(options.env);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd, env: env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, durationMs: Date.now() - started });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** The exit code once the process closed (null when killed by a signal it did not handle). */
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once `test()` holds, or fails after `timeoutMs` naming `what` with the output so far. */
  until: (what: string, test: () => boolean, timeoutMs?: number) => Promise<void>;
}

/** A long-running CLI process (watch, consume, warm --repeat-after) whose output can be awaited as it comes. */
export function startCli(args: string[], env: Record<string, string | undefined> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], { env: cliEnv(env) });
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  const poke = () => waiters.splice(0).forEach((w) => w());
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    poke();
  });
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    poke();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => stdout,
    stderr: () => stderr,
    async until(what, test, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nstdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-2000)}`);
        await new Promise<void>((r) => {
          waiters.push(r);
          setTimeout(r, 200);
        });
      }
    },
  };
}

/**
 * Config files for the built CLI against the run's redis-server: a temp folder,
 * one file per call on a fresh key prefix, and a raw client for setup and
 * assertions. The prefixes' keys (SCAN + DEL) and the folder are removed after
 * the file. Call at the top of a describe.
 */
export function useCliConfigs(folderPrefix: string): {
  client: () => Redis;
  /** Writes `{ redis: { url, keyPrefix }, ...config }` and returns its path and prefix. */
  writeConfig: (config?: Record<string, unknown>) => Promise<{ file: string; prefix: string }>;
} {
  let dir: string | undefined;
  let client: Redis | undefined;
  const prefixes: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), folderPrefix));
    client = new Redis(sharedRedisUrl());
  });
  afterAll(async () => {
    if (client) {
      for (const p of prefixes) await deletePrefix(client, p);
      client.disconnect();
    }
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return {
    client: () => {
      if (!client) throw new Error('useCliConfigs: the client exists only while the tests run');
      return client;
    },
    async writeConfig(config = {}) {
      if (!dir) throw new Error('useCliConfigs: config files can be written only while the tests run');
      const prefix = testPrefix();
      prefixes.push(prefix);
      const file = join(dir, `${prefix.replace(/:/g, '-')}json`);
      await writeFile(file, JSON.stringify({ redis: { url: sharedRedisUrl(), keyPrefix: prefix }, ...config }));
      return { file, prefix };
    },
  };
}
