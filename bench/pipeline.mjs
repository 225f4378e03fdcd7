// Benchmark: the engagement pipeline. Ingests 200,000 events from an NDJSON file
// (`launchctl ingest`), then consumes them with one consumer (`launchctl consume
// --once`), and compares each rate with `redis-benchmark -P 64 XADD` measured in
// the same run on the same throwaway redis-server. Goal for consume: at least
// 0.2 of that XADD rate, with the exactly-once bookkeeping on.
// Run: `npm run bench:pipeline` (PIPELINE_BENCH_EVENTS=50000 for a quicker run,
// PIPELINE_BENCH_RUNS, PIPELINE_BENCH_BATCH).
import { execFileSync } from 'node:child_process';
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

/** redis-benchmark's own figure, in requests per second. */
function measureXadd(port) {
  const out = execFileSync('redis-benchmark', ['-p', String(port), '-P', '64', '-n', String(EVENTS), '-q', 'XADD', 'bench:xadd', '*', 'f', 'v'], { encoding: 'utf8' });
  execFileSync('redis-cli', ['-p', String(port), 'DEL', 'bench:xadd']);
  const m = /([\d.]+) requests per second/.exec(out.split('\r').pop() ?? out);
  if (!m) throw new Error(`cannot read redis-benchmark output: ${out.slice(-200)}`);
  return Number(m[1]);
}

/** Runs the CLI and returns its --json document and wall time. */
function cli(args, cwd) {
  const started = process.hrtime.bigint();
  let stdout;
  try {
    stdout = execFileSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`launchctl ${args.join(' ')} exited ${err.status}: ${String(err.stderr).slice(-300)}`);
  }
  return { doc: JSON.parse(stdout), wallMs: Number(process.hrtime.bigint() - started) / 1e6 };
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
    const xadd = measureXadd(server.port);
    const ingest = cli(['-c', config, '--json', 'ingest', file], dir);
    if (ingest.doc.ingested !== EVENTS) throw new Error(`ingested ${ingest.doc.ingested} of ${EVENTS}`);
    const consume = cli(['-c', config, '--json', 'consume', '--once', '--batch', BATCH], dir);
    if (consume.doc.processed !== EVENTS) throw new Error(`consumed ${consume.doc.processed} of ${EVENTS}`);
    const row = {
      xadd,
      ingest: (EVENTS * 1000) / ingest.doc.durationMs,
      consume: (EVENTS * 1000) / consume.doc.durationMs,
      ingestWall: (EVENTS * 1000) / ingest.wallMs,
      consumeWall: (EVENTS * 1000) / consume.wallMs,
    };
    rows.push(row);
    console.error(
      `run ${run + 1}: redis-benchmark -P 64 XADD ${Math.round(row.xadd)}/s; ingest ${Math.round(row.ingest)}/s (${(row.ingest / row.xadd).toFixed(3)}x); consume ${Math.round(row.consume)}/s (${(row.consume / row.xadd).toFixed(3)}x)`,
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
    loadAverage: Number(loadavg()[0].toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
