// Benchmark: the engagement pipeline, against `redis-benchmark -P 64 XADD`
// measured in the same run on the same throwaway redis-server.
// For each workload it ingests EVENTS events from an NDJSON file (`launchctl
// ingest`), then consumes them with one consumer (`launchctl consume --once`),
// and reports, per event: the server's CPU (INFO cpu used_cpu_sys +
// used_cpu_user, before/after), the client's CPU (GNU time of the CLI child,
// start-up included) and the rate, each also as a ratio to XADD's.
// Workloads:
// - uniform: 20,000 users' events spread over 30 minutes (a user rarely repeats
//   within a 1,000-entry batch);
// - bursty: cohorts of about 200 users whose events are interleaved, each user's events within a few
//   seconds, so a 1,000-entry batch holds about 5 events per user.
// Goals (issue 9): ingest server CPU/event <= 1.5x XADD's and rate >= 0.25x;
// consume server CPU/event <= 4x (bursty) and <= 6x (uniform), rate >= 0.2x (bursty).
// Run: `npm run bench:pipeline` (PIPELINE_BENCH_EVENTS=50000 for a quicker run,
// PIPELINE_BENCH_RUNS, PIPELINE_BENCH_BATCH, PIPELINE_BENCH_WORKLOADS=uniform,bursty).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { generateTraffic, seededRandom, seededUuid } from '../dist/domain/engagement/simulate.js';

const EVENTS = Number(process.env.PIPELINE_BENCH_EVENTS ?? 200_000);
const RUNS = Number(process.env.PIPELINE_BENCH_RUNS ?? 3);
const BATCH = process.env.PIPELINE_BENCH_BATCH ?? '1000';
const WORKLOADS = (process.env.PIPELINE_BENCH_WORKLOADS ?? 'uniform,bursty').split(',');
const GOALS = {
  ingestServerCpu: 1.5,
  ingestRate: 0.25,
  consumeServerCpu: { bursty: 4, uniform: 6 },
  consumeRate: { bursty: 0.2 },
};
const BIN = fileURLToPath(new URL('../bin/launchctl.js', import.meta.url));
const PATHS = ['/', '/pricing', '/docs', '/blog/launch'];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, digits = 2) => Number(x.toFixed(digits));

/** CPU seconds the server has used (INFO cpu: used_cpu_sys + used_cpu_user): a figure the machine's load barely moves. */
function serverCpuS(port) {
  const info = execFileSync('redis-cli', ['-p', String(port), 'INFO', 'cpu'], { encoding: 'utf8' });
  const read = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return read('used_cpu_user') + read('used_cpu_sys');
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

/** Runs the CLI; returns its --json document, wall time, its own CPU time (GNU time) and the server's, per event. */
function cli(args, cwd, port) {
  const started = process.hrtime.bigint();
  const cpu0 = serverCpuS(port);
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU_S=%U+%S', process.execPath, BIN, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`launchctl ${args.join(' ')} exited ${r.status}: ${String(r.stderr).slice(-300)}`);
  const m = /CPU_S=([\d.]+)\+([\d.]+)/.exec(r.stderr);
  return {
    doc: JSON.parse(r.stdout),
    wallMs: Number(process.hrtime.bigint() - started) / 1e6,
    clientCpuUs: m ? ((Number(m[1]) + Number(m[2])) * 1e6) / EVENTS : NaN,
    serverCpuUs: ((serverCpuS(port) - cpu0) * 1e6) / EVENTS,
  };
}

/** 20,000 users over 30 minutes: consecutive events rarely share a user. */
function uniformTraffic() {
  const users = Math.max(1, Math.round(EVENTS / 10));
  return generateTraffic({ seed: 42, users, totalEvents: EVENTS, durationMs: 30 * 60_000, startMs: Date.now() - 30 * 60_000, paths: PATHS });
}

/**
 * About 200 users' events interleaved at a time, as on a real launch page
 * (hover, scroll, click within seconds): users come in cohorts of 200, each
 * with a burst of 2 to 8 events (5 on average), the cohort's events shuffled
 * together, cohorts one after another. A 1,000-entry batch then holds about
 * five events per user, the workload the issue describes.
 */
function burstyTraffic() {
  const random = seededRandom(7);
  const COHORT = 200;
  const types = ['hover', 'hover', 'scroll', 'scroll', 'cta_click', 'form_submit'];
  const events = [];
  let t = Date.now() - 30 * 60_000;
  while (events.length < EVENTS) {
    const cohort = [];
    for (let u = 0; u < COHORT; u++) {
      const userId = seededUuid(random);
      const path = PATHS[Math.floor(random() * PATHS.length)];
      const burst = 2 + Math.floor(random() * 7);
      for (let k = 0; k < burst; k++) cohort.push({ userId, path });
    }
    // Fisher-Yates: the cohort's events interleaved.
    for (let i = cohort.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [cohort[i], cohort[j]] = [cohort[j], cohort[i]];
    }
    for (const { userId, path } of cohort) {
      if (events.length === EVENTS) break;
      events.push({ userId, eventType: types[Math.floor(random() * types.length)], payload: { path }, timestamp: t });
      t += 5;
    }
  }
  return events;
}

const server = await startRedisServer();
const dir = mkdtempSync(join(tmpdir(), 'launchctl-bench-pipeline-'));
try {
  const files = {};
  for (const name of WORKLOADS) {
    const events = name === 'bursty' ? burstyTraffic() : uniformTraffic();
    files[name] = join(dir, `${name}.ndjson`);
    writeFileSync(files[name], `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    console.error(`${name}: ${EVENTS} events of ${new Set(events.map((e) => e.userId)).size} users in ${files[name]}`);
  }
  console.error(`load average ${loadavg()[0].toFixed(1)} on this machine`);

  const rows = [];
  for (let run = 0; run < RUNS; run++) {
    const xadd = measureXadd(server.port);
    const row = { xadd, workloads: {} };
    for (const name of WORKLOADS) {
      const config = join(dir, `launch.config.${name}.${run}.json`);
      writeFileSync(config, JSON.stringify({ redis: { url: server.url, keyPrefix: `${name}${run}:` }, streams: { maxLen: EVENTS * 2 } }));
      const ingest = cli(['-c', config, '--json', 'ingest', files[name]], dir, server.port);
      if (ingest.doc.ingested !== EVENTS) throw new Error(`ingested ${ingest.doc.ingested} of ${EVENTS}`);
      const consume = cli(['-c', config, '--json', 'consume', '--once', '--batch', BATCH], dir, server.port);
      if (consume.doc.processed !== EVENTS) throw new Error(`consumed ${consume.doc.processed} of ${EVENTS}`);
      const w = {
        ingest: { perSec: (EVENTS * 1000) / ingest.doc.durationMs, perSecWithStartup: (EVENTS * 1000) / ingest.wallMs, serverCpuUs: ingest.serverCpuUs, clientCpuUs: ingest.clientCpuUs },
        consume: { perSec: (EVENTS * 1000) / consume.doc.durationMs, perSecWithStartup: (EVENTS * 1000) / consume.wallMs, serverCpuUs: consume.serverCpuUs, clientCpuUs: consume.clientCpuUs },
      };
      row.workloads[name] = w;
      const say = (verb, m) =>
        `${verb} ${Math.round(m.perSec)}/s (${(m.perSec / xadd.perSec).toFixed(3)}x), server ${m.serverCpuUs.toFixed(2)} µs/event (${(m.serverCpuUs / xadd.serverCpuUs).toFixed(2)}x), client ${m.clientCpuUs.toFixed(2)} µs/event`;
      console.error(`run ${run + 1} ${name}: XADD -P 64 ${Math.round(xadd.perSec)}/s, server ${xadd.serverCpuUs.toFixed(2)} µs each; ${say('ingest', w.ingest)}; ${say('consume', w.consume)}`);
      execFileSync('redis-cli', ['-p', String(server.port), 'DEL', ...['', 'dead'].map((d) => `${name}${run}:stream:engagement:${d || new Date().toISOString().slice(0, 10)}`)]);
    }
    rows.push(row);
  }

  const xaddPerSec = median(rows.map((r) => r.xadd.perSec));
  const xaddServerCpuUs = median(rows.map((r) => r.xadd.serverCpuUs));
  const summary = (name, verb) => {
    const pick = (f) => median(rows.map((r) => f(r.workloads[name][verb], r.xadd)));
    return {
      perSec: Math.round(pick((m) => m.perSec)),
      perSecWithStartup: Math.round(pick((m) => m.perSecWithStartup)),
      rateRatio: round(pick((m, x) => m.perSec / x.perSec), 3),
      serverCpuUs: round(pick((m) => m.serverCpuUs)),
      serverCpuRatio: round(pick((m, x) => m.serverCpuUs / x.serverCpuUs)),
      clientCpuUs: round(pick((m) => m.clientCpuUs)),
    };
  };
  const result = { events: EVENTS, batch: Number(BATCH), runs: RUNS, xaddPerSec: Math.round(xaddPerSec), xaddServerCpuUs: round(xaddServerCpuUs), workloads: {}, goals: {} };
  for (const name of WORKLOADS) {
    const ingest = summary(name, 'ingest');
    const consume = summary(name, 'consume');
    result.workloads[name] = { ingest, consume };
    result.goals[name] = {
      ingestServerCpu: `${ingest.serverCpuRatio}x of XADD (goal <= ${GOALS.ingestServerCpu}x): ${ingest.serverCpuRatio <= GOALS.ingestServerCpu ? 'met' : 'NOT met'}`,
      ingestRate: `${ingest.rateRatio}x of XADD (goal >= ${GOALS.ingestRate}x): ${ingest.rateRatio >= GOALS.ingestRate ? 'met' : 'NOT met'}`,
      consumeServerCpu: `${consume.serverCpuRatio}x of XADD (goal <= ${GOALS.consumeServerCpu[name]}x): ${consume.serverCpuRatio <= GOALS.consumeServerCpu[name] ? 'met' : 'NOT met'}`,
      ...(GOALS.consumeRate[name] ? { consumeRate: `${consume.rateRatio}x of XADD (goal >= ${GOALS.consumeRate[name]}x): ${consume.rateRatio >= GOALS.consumeRate[name] ? 'met' : 'NOT met'}` } : {}),
    };
  }
  result.loadAverage = round(loadavg()[0], 1);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
