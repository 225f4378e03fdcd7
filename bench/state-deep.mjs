// Benchmark: `state --summary --deep` over 1,000,000 state keys, against
// `redis-cli --scan --pattern 'conv:state:*'` listing the same keys (a
// key-only listing, one SCAN round trip at a time), in the same run on the same
// throwaway redis-server. Also peak RSS of the deep scan and the latency of
// `state --summary` from the counters. Run: `npm run bench:state`
// (STATE_BENCH_KEYS=200000 for a quicker run).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { closeRedis, connectRedis } from '../dist/adapters/redis.js';
import { scanConversionStates } from '../dist/domain/state/deep-scan.js';
import { readConversionSummary } from '../dist/domain/state/summary.js';
import { checkStateValue } from '../dist/domain/state/state-value.js';
import { createKeys } from '../dist/keys.js';
import { median, pipeCommands } from './lib.mjs';

const KEYS = Number(process.env.STATE_BENCH_KEYS ?? 1_000_000);
const RUNS = Number(process.env.STATE_BENCH_RUNS ?? 3);
const CORRUPT = 25;
const BIN = fileURLToPath(new URL('../bin/launchctl.js', import.meta.url));
const TIME_BIN = '/usr/bin/time';
const GOAL_RATIO = 0.6;
const GOAL_RSS_MIB = 200;

/** The state keys (CORRUPT of them corrupt) and the counters hash, through `redis-cli --pipe`. */
async function loadStates(port) {
  const variants = ['default', 'pricing', 'video'];
  const now = Date.now();
  await pipeCommands(
    port,
    (function* () {
      for (let i = 0; i < KEYS; i++) {
        const confidence = Math.round((((i * 7919) % 101) / 100) * 100) / 100;
        const value =
          i < CORRUPT
            ? `{"variant":"pricing","confidence":0.${i}` // truncated JSON, as the seed's race could leave
            : JSON.stringify({ variant: variants[i % 3], confidence, lastUpdated: now - (i % 3600) * 1000, events: (i % 40) + 1, applied: `${now}-${i % 7}` });
        yield ['SET', `conv:state:${randomUUID()}`, value, 'EX', '86400'];
      }
      yield ['HSET', 'conv:stats', 'events', String(KEYS * 20), 'users', String(KEYS), 'variant:default', '1', 'variant:pricing', '2', 'hist:3', '3', 'updatedAt', String(now)];
    })(),
  );
}

/** Wall time (ms) and stdout of a command. */
function timed(cmd, args, cwd) {
  const started = process.hrtime.bigint();
  const r = execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  return { ms, stdout: r };
}

/** Wall time (ms), peak RSS (KiB, through GNU time), stdout and exit code of a command. */
function timedWithRss(cmd, args, cwd) {
  const started = process.hrtime.bigint();
  const res = spawnSyncCapture(TIME_BIN, ['-f', 'RSS_KIB=%M', cmd, ...args], cwd);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rss = Number(/RSS_KIB=(\d+)/.exec(res.stderr)?.[1] ?? NaN);
  return { ms, rssKib: rss, stdout: res.stdout, code: res.code };
}

function spawnSyncCapture(cmd, args, cwd) {
  try {
    const stdout = execFileSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe'] });
    return { stdout, stderr: '', code: 0 };
  } catch (err) {
    return { stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? ''), code: err.status };
  }
}

/** CPU time (ms) the redis-server process has used so far (Linux /proc; null elsewhere). */
function serverCpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in clock ticks of 10 ms
  } catch {
    return null;
  }
}


const server = await startRedisServer();
const cwd = mkdtempSync(join(tmpdir(), 'launchctl-bench-'));
try {
  const loadStart = Date.now();
  await loadStates(server.port);
  console.error(`loaded ${KEYS} state keys in ${((Date.now() - loadStart) / 1000).toFixed(1)} s`);

  const scanMs = [];
  const deepMs = [];
  const scanServerCpu = [];
  const deepServerCpu = [];
  const deepRss = [];
  let deepDoc;
  for (let run = 0; run < RUNS; run++) {
    let cpu0 = serverCpuMs(server.process.pid);
    const scan = timed('sh', ['-c', `redis-cli -p ${server.port} --scan --pattern 'conv:state:*' | wc -l`], cwd);
    if (Number(scan.stdout.trim()) < KEYS) throw new Error(`redis-cli --scan listed ${scan.stdout.trim()} keys`);
    scanMs.push(scan.ms);
    let cpu1 = serverCpuMs(server.process.pid);
    if (cpu0 !== null && cpu1 !== null) scanServerCpu.push(cpu1 - cpu0);
    cpu0 = cpu1;
    const deep = timedWithRss(process.execPath, [BIN, '--redis', server.url, '--json', 'state', '--summary', '--deep'], cwd);
    deepDoc = JSON.parse(deep.stdout);
    if (deepDoc.total + deepDoc.corrupt < KEYS || deep.code !== 1) throw new Error(`deep scan: exit ${deep.code}, ${deep.stdout.slice(0, 300)}`);
    deepMs.push(deep.ms);
    cpu1 = serverCpuMs(server.process.pid);
    if (cpu0 !== null && cpu1 !== null) deepServerCpu.push(cpu1 - cpu0);
    deepRss.push(deep.rssKib);
    console.error(`run ${run + 1}: redis-cli --scan ${scan.ms.toFixed(0)} ms, state --summary --deep ${deep.ms.toFixed(0)} ms, peak RSS ${(deep.rssKib / 1024).toFixed(0)} MiB`);
  }

  const countersMs = [];
  for (let run = 0; run < RUNS; run++) {
    const r = timedWithRss(process.execPath, [BIN, '--redis', server.url, '--json', 'state', '--summary'], cwd);
    if (r.code !== 0) throw new Error(`state --summary exited ${r.code}`);
    countersMs.push(r.ms);
  }
  const startup = [];
  for (let run = 0; run < RUNS; run++) startup.push(timedWithRss(process.execPath, [BIN, '--version'], cwd).ms);

  // The same deep scan and counters read in this process: the CLI's start-up and exit are not in these.
  const client = await connectRedis({ url: server.url, connectTimeoutMs: 3000, commandTimeoutMs: 30_000, tls: { rejectUnauthorized: true }, cluster: false, natMap: {} });
  const inProcessDeepMs = [];
  const plainLoopMs = [];
  const countersReadMs = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      let started = process.hrtime.bigint();
      await scanConversionStates(client, createKeys(''));
      inProcessDeepMs.push(Number(process.hrtime.bigint() - started) / 1e6);
      // The reference the pipelining is meant to beat: one SCAN, then its MGET, one round trip at a time.
      started = process.hrtime.bigint();
      let cursor = '0';
      let valid = 0;
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', 'conv:state:*', 'COUNT', 1000);
        cursor = next;
        if (batch.length > 0) for (const raw of await client.mget(batch)) if (checkStateValue(raw).ok) valid++;
      } while (cursor !== '0');
      if (valid + CORRUPT < KEYS) throw new Error(`plain loop read ${valid} valid states`);
      plainLoopMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    for (let run = 0; run < 50; run++) {
      const started = process.hrtime.bigint();
      await readConversionSummary(client, createKeys(''));
      countersReadMs.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  } finally {
    await closeRedis(client);
  }

  const ratio = median(deepMs) / median(scanMs);
  const peakMib = Math.max(...deepRss) / 1024;
  const report = {
    keys: KEYS,
    // Other work on the machine shifts every figure: a loaded machine is CPU-bound, where the listing is cheap.
    loadAverage1m: Number(loadavg()[0].toFixed(1)),
    corruptFound: deepDoc.corrupt,
    redisCliScanMs: Math.round(median(scanMs)),
    deepMs: Math.round(median(deepMs)),
    ratio: Number(ratio.toFixed(3)),
    ratioGoal: GOAL_RATIO,
    deepPeakRssMiB: Math.round(peakMib),
    rssGoalMiB: GOAL_RSS_MIB,
    summaryCountersMs: Math.round(median(countersMs)),
    cliStartupMs: Math.round(median(startup)),
    inProcessDeepMs: Math.round(median(inProcessDeepMs)),
    inProcessRatio: Number((median(inProcessDeepMs) / median(scanMs)).toFixed(3)),
    // The server's own work (CPU ms): the floor of the deep scan, whatever the client does.
    scanServerCpuMs: scanServerCpu.length ? median(scanServerCpu) : null,
    deepServerCpuMs: deepServerCpu.length ? median(deepServerCpu) : null,
    plainLoopMs: Math.round(median(plainLoopMs)),
    plainLoopRatio: Number((median(plainLoopMs) / median(scanMs)).toFixed(3)),
    countersReadMs: Number(median(countersReadMs).toFixed(2)),
  };
  console.log(JSON.stringify(report, null, 2));
  console.error(
    `deep/scan = ${report.ratio} (goal <= ${GOAL_RATIO}) ${ratio <= GOAL_RATIO ? 'OK' : 'MISSED'}; peak RSS ${report.deepPeakRssMiB} MiB (goal < ${GOAL_RSS_MIB}) ${peakMib < GOAL_RSS_MIB ? 'OK' : 'MISSED'}; ` +
      `state --summary ${report.summaryCountersMs} ms wall (CLI start-up alone ${report.cliStartupMs} ms; the counters read itself ${report.countersReadMs} ms); ` +
      `deep scan in-process ${report.inProcessDeepMs} ms (${report.inProcessRatio} of the listing; a plain SCAN+MGET loop ${report.plainLoopMs} ms, ${report.plainLoopRatio})`,
  );
} finally {
  await server.stop();
  rmSync(cwd, { recursive: true, force: true });
}
