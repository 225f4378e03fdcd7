// Real Prometheus parts for the metrics tests: a Prometheus server that scrapes
// given targets, a Pushgateway, and the binaries (promtool) the rule tests run.
// Everything listens on 127.0.0.1 on a free port, keeps its data in a temp
// folder, and is killed with the test process (parent-death signal where
// setpriv exists, an exit hook otherwise).
import { processStopper } from '../../src/util/process.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { findFreePort } from '../../src/adapters/redis-server.js';

/** Where the Debian packages put them: prometheus, promtool, prometheus-pushgateway (all in /usr/bin). */
export const PROMETHEUS_INSTALL_HINT = 'install them: Debian/Ubuntu `apt-get install prometheus prometheus-pushgateway` (.ci/run does), or set PROMETHEUS_BIN / PROMTOOL_BIN / PUSHGATEWAY_BIN';

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** The first of `names` on PATH, or the path in `envVar`; null when missing. */
export function findBinary(envVar: string, names: readonly string[]): string | null {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  for (const name of names) {
    const found = onPath(name);
    if (found) return found;
  }
  return null;
}

export const binaries = {
  prometheus: () => findBinary('PROMETHEUS_BIN', ['prometheus']),
  promtool: () => findBinary('PROMTOOL_BIN', ['promtool']),
  // Debian names the binary prometheus-pushgateway; the upstream tarball, pushgateway.
  pushgateway: () => findBinary('PUSHGATEWAY_BIN', ['prometheus-pushgateway', 'pushgateway']),
};

/**
 * Whether a test that needs `names` should skip: locally a missing binary
 * skips with the reason printed; in CI (`CI` set) it never skips, so the test
 * fails loudly on the missing binary (CI installs them).
 */
export function missingBinaries(...names: (keyof typeof binaries)[]): string | null {
  const missing = names.filter((n) => binaries[n]() === null);
  if (missing.length === 0 || process.env.CI) return null;
  const reason = `skipped: ${missing.join(', ')} not found on PATH; ${PROMETHEUS_INSTALL_HINT}`;
  console.warn(reason);
  return reason;
}

/** The path of a binary, or an error that says how to install it. */
export function requireBinary(name: keyof typeof binaries): string {
  const found = binaries[name]();
  if (!found) throw new Error(`${name} not found on PATH; ${PROMETHEUS_INSTALL_HINT}`);
  return found;
}

// ---- processes --------------------------------------------------------------

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A test process that ends without stop() (a crash, a timeout) must not
  // leave servers behind. 'exit' handlers may only do synchronous work: kill.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

const SETPRIV = onPath('setpriv');

/**
 * Spawns `binary args`; under `setpriv --pdeathsig KILL` when available so the
 * kernel kills it even when the test process is SIGKILLed.
 */
function spawnTied(binary: string, args: string[]): { child: ChildProcess; log: () => string } {
  installExitHook();
  const [cmd, argv] = SETPRIV ? [SETPRIV, ['--pdeathsig', 'KILL', '--', binary, ...args]] : [binary, args];
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let log = '';
  const keep = (d: Buffer) => {
    log = (log + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, log: () => log };
}

/** stop(): SIGTERM (SIGKILL after 5 s), then removes `dir`. Safe to call twice. */
const stopOnce = (child: ChildProcess, dir?: string) => processStopper(child, { graceMs: 5000, dir });

/** Polls `url` until it answers 200; on failure (the process exited, or the deadline) stops it and throws. */
async function waitReady(url: string, child: ChildProcess, log: () => string, what: string, timeoutMs: number, stop: () => Promise<void>): Promise<void> {
  try {
    await pollReady(url, child, log, what, timeoutMs);
  } catch (err) {
    await stop();
    throw err;
  }
}

async function pollReady(url: string, child: ChildProcess, log: () => string, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${log()}`);
    }
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${timeoutMs} ms:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// ---- Prometheus -------------------------------------------------------------

export interface PromSample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  /** An instant query through the HTTP API (/api/v1/query); vector results only. */
  query: (promql: string) => Promise<PromSample[]>;
  /** An instant query of a range vector (`launchctl_up[1m]`): every stored sample, with its timestamp (Unix seconds). */
  queryMatrix: (promql: string) => Promise<{ metric: Record<string, string>; values: [number, number][] }[]>;
  /** Polls `promql` until `predicate` holds for its samples; throws with the last answer after `timeoutMs`. */
  waitFor: (promql: string, predicate: (samples: PromSample[]) => boolean, timeoutMs?: number) => Promise<PromSample[]>;
  /** Stops the server and removes its config and storage. Safe to call twice. */
  stop: () => Promise<void>;
}

export interface StartPrometheusOptions {
  /** `host:port` targets of the job `launchctl` (path /metrics). */
  targets: string[];
  scrapeIntervalS?: number;
  /** Rule files to load (absolute paths). */
  ruleFiles?: string[];
  startTimeoutMs?: number;
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusHandle> {
  const binary = requireBinary('prometheus');
  const interval = `${options.scrapeIntervalS ?? 1}s`;
  const dir = await mkdtemp(join(tmpdir(), 'launchctl-prometheus-'));
  const configFile = join(dir, 'prometheus.yml');
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    `  evaluation_interval: ${interval}`,
    ...(options.ruleFiles?.length ? ['rule_files:', ...options.ruleFiles.map((f) => `  - ${JSON.stringify(f)}`)] : []),
    'scrape_configs:',
    '  - job_name: launchctl',
    '    static_configs:',
    `      - targets: ${JSON.stringify(options.targets)}`,
    '',
  ].join('\n');
  await writeFile(configFile, config);

  const port = await findFreePort();
  const { child, log } = spawnTied(binary, [
    `--config.file=${configFile}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`,
    '--log.level=warn',
    '--storage.tsdb.retention.time=1h',
    // Debian's defaults point at /etc/prometheus; this server serves no consoles.
    `--web.console.templates=${dir}`,
    `--web.console.libraries=${dir}`,
  ]);
  const stop = stopOnce(child, dir);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child, log, 'prometheus', options.startTimeoutMs ?? 30_000, stop);

  const query = async (promql: string): Promise<PromSample[]> => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${promql}: ${body.error ?? res.status}`);
    if (body.data.resultType !== 'vector') throw new Error(`query ${promql}: expected a vector, got ${body.data.resultType}`);
    return body.data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
  };

  const waitFor = async (promql: string, predicate: (samples: PromSample[]) => boolean, timeoutMs = 20_000): Promise<PromSample[]> => {
    const deadline = Date.now() + timeoutMs;
    let last: PromSample[] = [];
    for (;;) {
      last = await query(promql);
      if (predicate(last)) return last;
      if (Date.now() > deadline) throw new Error(`${promql}: condition not met within ${timeoutMs} ms; last answer ${JSON.stringify(last)}\n${log()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const queryMatrix = async (promql: string) => {
    const res = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as { status: string; error?: string; data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] } };
    if (body.status !== 'success' || !body.data) throw new Error(`query ${promql}: ${body.error ?? res.status}`);
    if (body.data.resultType !== 'matrix') throw new Error(`query ${promql}: expected a matrix, got ${body.data.resultType}`);
    return body.data.result.map((r) => ({ metric: r.metric, values: r.values.map(([t, v]): [number, number] => [t, Number(v)]) }));
  };

  return { url, query, queryMatrix, waitFor, stop };
}

// ---- Pushgateway ------------------------------------------------------------

export interface PushgatewayHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The Pushgateway's own /metrics: every pushed group, with push_time_seconds. */
  metrics: () => Promise<string>;
  stop: () => Promise<void>;
}

export async function startPushgateway(options: { startTimeoutMs?: number } = {}): Promise<PushgatewayHandle> {
  const binary = requireBinary('pushgateway');
  const port = await findFreePort();
  // No persistence file: Debian's default is /var/lib/prometheus/pushgateway.data.
  const { child, log } = spawnTied(binary, [`--web.listen-address=127.0.0.1:${port}`, '--persistence.file=', '--log.level=warn']);
  const stop = stopOnce(child);
  const url = `http://127.0.0.1:${port}`;
  await waitReady(`${url}/-/ready`, child, log, 'pushgateway', options.startTimeoutMs ?? 15_000, stop);
  return {
    url,
    async metrics() {
      const res = await fetch(`${url}/metrics`);
      if (!res.ok) throw new Error(`pushgateway /metrics: HTTP ${res.status}`);
      return res.text();
    },
    stop,
  };
}

// ---- promtool ---------------------------------------------------------------

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs promtool with `args`, `input` on stdin; resolves with its exit code and output. */
export async function runPromtool(args: string[], input?: string, cwd?: string): Promise<ToolResult> {
  const binary = requireBinary('promtool');
  const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'], cwd });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const closed = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  child.stdin.end(input ?? '');
  return { code: await closed, stdout, stderr };
}
