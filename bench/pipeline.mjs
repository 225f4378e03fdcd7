// Benchmark: the engagement pipeline. Ingests 200,000 events from an NDJSON file
// (`launchctl ingest`), then consumes them with one consumer (`launchctl consume
// --once`), and compares each rate with `redis-benchmark -P 64 XADD` measured in
// the same run on the same throwaway redis-server. Goal for consume: at least
// 0.2 of that XADD rate, with the exactly-once bookkeeping on.
// Run: `npm run bench:pipeline` (PIPELINE_BENCH_EVENTS=50000 for a quicker run,
// PIPELINE_BENCH_RUNS, PIPELINE_BENCH_BATCH).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { generateTraffic } from '../dist/domain/engagement/simulate.js';

const EVENTS = Number(process.env.PIPELINE_BENCH_EVENTS ?? 200_000);
const USERS = Math.max(1, Math.round(EVENTS / 10));
const RUNS = Number(process.env.PIPELINE_BENCH_RUNS ?? 3);
const BATCH = process.env.PIPELINE_BENCH_BATCH ?? '1000';
const GOAL_CONSUME_RATIO = 0.2;
const BIN = fileURLToPath(new URL('../bin/launchctl.js', import.meta.url));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** CPU seconds the server's main thread has used (INFO cpu): a figure the machine's load barely moves. */
function serverCpuS(port) {
  const info = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'cpu'], { encoding: 'utf8' });
  const read = (k) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return read('used_cpu_user_main_thread') + read('used_cpu_sys_main_thread');
}

/** redis-benchmark's own figure, in requests per second, and the server CPU per XADD. */
function measureXadd(port) {
  const cpu0 = serverCpuS(port);
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-P', '64', '-n', String(EVENTS), '-q', 'XADD', 'bench:xadd', '*', 'f', 'v'], { encoding: 'utf8' });
  const cpuUs = ((serverCpuS(port) - cpu0) * 1e6) / EVENTS;
  execFileSync('redis-cli', ['-p', String(port), 'DEL', 'bench:xadd']);
  const m = /([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out);
  if (!m) throw new Error(`cannot read redis-benchmark output: ${out.slice(-200)}`);
  return { perSec: Number(m[1]), serverCpuUs: cpuUs };
}

/** Runs the CLI; returns its --json document, wall time, its own CPU time (GNU time) and the server's. */
function cli(args, cwd, port) {
  const started = process.hrtime.bigint();
  const cpu0 = serverCpuS(port);
  let stdout;
  let stderr;
  try {
    const r = spawnSync('/usr/bin/time', ['-f', 'CPU_S=%U+%S', process.execPath, BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
    stdout = r.stdout;
    stderr = r.stderr;
    if (r.status !== 0) throw Object.assign(new Error('failed'), { status: r.status });
  } catch (err) {
    throw new Error(`launchctl ${args.join(' ')} exited ${err.status}: ${String(stderr).slice(-300)}`);
  }
  const m = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
  return {
    doc: JSON.parse(stdout),
    wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    clientCpuUs: m ? ((Number(m[1]) + Number(m[2])) * 1e6) / EVENTS : NaN,
    serverCpuUs: ((serverCpuS(port) - cpu0) * 1e6) / EVENTS,
  };
}

const server = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'launchctl-bench-pipeline-'));
try {
  const events = generateTraffic({ seed: 42, users: USERS, totalEvents: EVENTS, durationMs: 30 * 60_000, startMs: Date.now() - 30 * 60_000, paths: ['/', '/pricing', '/docs', '/blog/launch'] });
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  console.error(`${EVENTS} events for ${USERS} users in ${file}; load average ${loadavg()[0].toFixed(1)} on this machine`);

  const rows = [];
  for (let run = 0; run < RUNS; run++) {
    const config = join(dir, `launch.config.${run}.json`);
    writeFileSync(config, JSON.stringify({ redis: { url: server.url, keyPrefix: `run${run}:` }, streams: { maxLen: EVENTS * 2 } }));
    const bench = measureXadd(server.port);
    const xadd = bench.perSec;
    const ingest = cli(['-c', config, '--json', 'ingest', file], dir, server.port);
    if (ingest.doc.ingested !== EVENTS) throw new Error(`ingested ${ingest.doc.ingested} of ${EVENTS}`);
    const consume = cli(['-c', config, '--json', 'consume', '--once', '--batch', BATCH], dir, server.port);
    if (consume.doc.processed !== EVENTS) throw new Error(`consumed ${consume.doc.processed} of ${EVENTS}`);
    const row = {
      xadd,
      xaddServerCpuUs: bench.serverCpuUs,
      ingestCpu: { server: ingest.serverCpuUs, client: ingest.clientCpuUs },
      consumeCpu: { server: consume.serverCpuUs, client: consume.clientCpuUs },
      ingest: (EVENTS * 1000) / ingest.doc.durationMs,
      consume: (EVENTS * 1000) / consume.doc.durationMs,
      ingestWall: (EVENTS * 1000) / ingest.wallMs,
      consumeWall: (EVENTS * 1000) / consume.wallMs,
    };
    rows.push(row);
    console.error(
      `run ${run + 1}: redis-benchmark -P 64 XADD ${Math.round(row.xadd)}/s (server ${row.xaddServerCpuUs.toFixed(2)} µs CPU each); ` +
        `ingest ${Math.round(row.ingest)}/s (${(row.ingest / row.xadd).toFixed(3)}x; CPU per event: server ${row.ingestCpu.server.toFixed(2)} µs, client ${row.ingestCpu.client.toFixed(2)} µs); ` +
        `consume ${Math.round(row.consume)}/s (${(row.consume / row.xadd).toFixed(3)}x; CPU per event: server ${row.consumeCpu.server.toFixed(2)} µs, client ${row.consumeCpu.client.toFixed(2)} µs)`,
    );
  }

  const xadd = median(rows.map((r) => r.xadd));
  const ingest = median(rows.map((r) => r.ingest / r.xadd));
  const consume = median(rows.map((r) => r.consume / r.xadd));
  const result = {
    events: EVENTS,
    users: USERS,
    batch: Number(BATCH),
    runs: RUNS,
    xaddPerSec: Math.round(xadd),
    ingestPerSec: Math.round(median(rows.map((r) => r.ingest))),
    consumePerSec: Math.round(median(rows.map((r) => r.consume))),
    ingestPerSecWithStartup: Math.round(median(rows.map((r) => r.ingestWall))),
    consumePerSecWithStartup: Math.round(median(rows.map((r) => r.consumeWall))),
    ingestRatio: Number(ingest.toFixed(3)),
    consumeRatio: Number(consume.toFixed(3)),
    goalConsumeRatio: GOAL_CONSUME_RATIO,
    consumeGoalMet: consume >= GOAL_CONSUME_RATIO,
    // CPU per event (µs; the client's includes its start-up): what the rates would be on an idle machine
    // depends on these, not on the wall clock of a busy one.
    xaddServerCpuUs: Number(median(rows.map((r) => r.xaddServerCpuUs)).toFixed(2)),
    ingestCpuUs: { server: Number(median(rows.map((r) => r.ingestCpu.server)).toFixed(2)), client: Number(median(rows.map((r) => r.ingestCpu.client)).toFixed(2)) },
    consumeCpuUs: { server: Number(median(rows.map((r) => r.consumeCpu.server)).toFixed(2)), client: Number(median(rows.map((r) => r.consumeCpu.client)).toFixed(2)) },
    loadAverage: Number(loadavg()[0].toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
