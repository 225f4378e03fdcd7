// Benchmark (issue 13): `consume` throughput with 1, 2 and 3 consumer processes
// on a local three-master Redis Cluster (record mode, docs/consume.md) against
// the same on a single redis-server (ack mode), in one run. A report, no goal.
//
// The same EVENTS events (USERS users, the project's traffic generator) are
// ingested once into each target with `launchctl ingest`. Before each consume
// run the bench resets the target: the consumer group is destroyed and the
// conversion states, counters and dead letters deleted, so every run applies
// the same events to an empty state from the start of the stream.
//
// Each run starts N real processes at once, `node bin/launchctl.js --json
// consume --once --consumer cN-i`: each one processes what is available and
// exits when a read finds nothing new, so the last exit is the moment the group
// is drained (checked afterwards: lag 0 and nothing pending, and the
// processes' `processed` sum to EVENTS with no duplicates). --once was chosen
// over long-running consumers stopped with SIGINT because it measures the same
// work (the same read-ahead and apply loop; only the BLOCK of an empty read
// differs) with no poller sending XINFO to the stream's master during the
// measurement and no signal timing in the end point. The rate counts from spawn
// to the last exit (Node start-up and connect included; `startupMs`, an
// idle `consume --once` on the drained group, shows that fixed cost), and
// `perSecInProcess` counts from the longest process' own `durationMs`.
//
// Server CPU per event is read per node (INFO cpu: used_cpu_sys + used_cpu_user
// before/after); on the cluster each master's figure and its share of the
// cluster's total are reported, with max/min share (1.00 = even). Client CPU
// per event is the consumer processes' own (GNU time), start-up included.
// Everything runs on this machine: with 2 cores, 3 consumer processes compete
// with the servers (and each other) for CPU, so more consumers need not mean
// more events per second here.
//
// Run: `npm run bench:cluster` (about 2 minutes on 2 cores). CLUSTER_BENCH_EVENTS
// (200000), CLUSTER_BENCH_USERS (5000), CLUSTER_BENCH_CONSUMERS (1,2,3),
// CLUSTER_BENCH_BATCH (500, consume's default), CLUSTER_BENCH_ROUNDS (3: every
// figure is the median of the rounds, single and cluster runs interleaved).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { generateTraffic } from '../dist/domain/engagement/simulate.js';

const EVENTS = Number(process.env.CLUSTER_BENCH_EVENTS ?? 200_000);
const USERS = Number(process.env.CLUSTER_BENCH_USERS ?? 5_000);
const CONSUMERS = (process.env.CLUSTER_BENCH_CONSUMERS ?? '1,2,3').split(',').map(Number);
const BATCH = process.env.CLUSTER_BENCH_BATCH ?? '500';
const ROUNDS = Number(process.env.CLUSTER_BENCH_ROUNDS ?? 3);
// No braces: the stream and its ingest progress record share a slot (src/keys.ts
// progressSharesSlot), and the conversion states spread over the masters. A
// hash tag (`{bench}:`) would put every key on one master.
const PREFIX = 'bench:';
const GROUP = 'conversion';
const BIN = fileURLToPath(new URL('../bin/launchctl.js', import.meta.url));
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, digits = 2) => Number(x.toFixed(digits));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Everything started is registered here and undone in reverse order, on
// success, on error and on SIGINT/SIGTERM.
const cleanups = [];
const children = new Set();
let cleaning = null;
function cleanup() {
  cleaning ??= (async () => {
    // Consumers and ingest run in their own process group (GNU time and node): killed by group id.
    for (const child of children) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const undo of cleanups.reverse()) {
      try {
        await undo();
      } catch (err) {
        console.error(`cleanup: ${err.message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`${signal}: stopping the consumers and servers`);
    void cleanup().finally(() => process.exit(130));
  });
}

/** Runs the CLI as its own process group; resolves with its exit code, output, wall time and CPU seconds (GNU time). */
function launchctl(args) {
  const cmd = TIME ? [TIME, '-f', 'CPU_S=%U+%S', process.execPath, BIN, ...args] : [process.execPath, BIN, ...args];
  const started = performance.now();
  const child = spawn(cmd[0], cmd.slice(1), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      children.delete(child);
      reject(err);
    });
    child.once('close', (code) => {
      children.delete(child);
      const m = /CPU_S=([\d.]+)\+([\d.]+)/.exec(stderr);
      resolve({ code, stdout, stderr, endedAt: performance.now(), wallMs: performance.now() - started, cpuS: m ? Number(m[1]) + Number(m[2]) : NaN });
    });
  });
}

/** The command's --json document; throws with its stderr when it failed. */
function documentOf(r, what) {
  if (r.code !== 0) throw new Error(`launchctl ${what} exited ${r.code}: ${r.stderr.slice(-400)}`);
  return JSON.parse(r.stdout);
}

/** CPU seconds a server has used (INFO cpu: used_cpu_sys + used_cpu_user). */
async function serverCpuS(node) {
  const info = await node.info('cpu');
  const read = (k) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? NaN);
  return read('used_cpu_user') + read('used_cpu_sys');
}

/** The keys matching `pattern` that this node holds (on a cluster node SCAN lists its own slots only). */
async function ownKeys(node, pattern) {
  const keys = [];
  let cursor = '0';
  do {
    const [next, batch] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  return keys;
}

const isDayStream = (key) => key.startsWith(`${PREFIX}stream:engagement:`) && !key.endsWith(':dead');

/** Back to "ingested, never consumed": group destroyed, states, counters and dead letters deleted (one key per command: keys of different slots). */
async function reset(target) {
  for (const node of target.nodes) {
    const doomed = [...(await ownKeys(node, `${PREFIX}conv:*`)), ...(await ownKeys(node, `${PREFIX}stream:engagement:dead`))];
    for (let i = 0; i < doomed.length; i += 1000) {
      const pipeline = node.pipeline();
      for (const key of doomed.slice(i, i + 1000)) pipeline.unlink(key);
      await pipeline.exec();
    }
    for (const stream of (await ownKeys(node, `${PREFIX}stream:engagement:*`)).filter(isDayStream)) {
      await node.xgroup('DESTROY', stream, GROUP);
    }
  }
}

/** Lag and pending of the group, summed over the day streams (every node asked for the streams it holds). */
async function groupBacklog(target) {
  let lag = 0;
  let pending = 0;
  for (const node of target.nodes) {
    for (const stream of (await ownKeys(node, `${PREFIX}stream:engagement:*`)).filter(isDayStream)) {
      const groups = await node.call('XINFO', 'GROUPS', stream);
      for (const g of groups) {
        const fields = Object.fromEntries(Array.from({ length: g.length / 2 }, (_, i) => [g[2 * i], g[2 * i + 1]]));
        if (fields.name !== GROUP) continue;
        lag += fields.lag === null ? Infinity : Number(fields.lag);
        pending += Number(fields.pending);
      }
    }
  }
  return { lag, pending };
}

/** One consume run: n processes at once, each `--once` with its own name; per-node server CPU before/after. */
async function consumeRun(target, n, round) {
  await reset(target);
  const cpu0 = await Promise.all(target.nodes.map(serverCpuS));
  const load = loadavg()[0];
  const started = performance.now();
  const names = Array.from({ length: n }, (_, i) => `c${n}-${round}-${i + 1}`);
  const results = await Promise.all(names.map((name) => launchctl(['-c', target.config, '--json', 'consume', '--once', '--consumer', name, '--batch', BATCH])));
  const wallMs = Math.max(...results.map((r) => r.endedAt)) - started;
  const cpu1 = await Promise.all(target.nodes.map(serverCpuS));
  const docs = results.map((r, i) => documentOf(r, `consume --consumer ${names[i]}`));
  const processed = docs.reduce((a, d) => a + d.processed, 0);
  const applied = docs.reduce((a, d) => a + d.applied, 0);
  if (processed !== EVENTS || applied !== EVENTS) throw new Error(`${target.name}, ${n} consumer(s): processed ${processed}, applied ${applied} of ${EVENTS}`);
  const backlog = await groupBacklog(target);
  if (backlog.lag !== 0 || backlog.pending !== 0) throw new Error(`${target.name}, ${n} consumer(s): group not drained (lag ${backlog.lag}, pending ${backlog.pending})`);
  const perNodeUs = cpu1.map((c, i) => ((c - cpu0[i]) * 1e6) / EVENTS);
  return {
    perSec: (EVENTS * 1000) / wallMs,
    perSecInProcess: (EVENTS * 1000) / Math.max(...docs.map((d) => d.durationMs)),
    serverCpuUs: perNodeUs.reduce((a, b) => a + b, 0),
    perNodeUs,
    clientCpuUs: (results.reduce((a, r) => a + r.cpuS, 0) * 1e6) / EVENTS,
    processedPerConsumer: docs.map((d) => d.processed),
    loadAverage: load,
  };
}

/** A three-master cluster of throwaway servers; resolves when every node says cluster_state:ok. */
async function startCluster(masters) {
  const started = await Promise.allSettled(Array.from({ length: masters }, () => startRedisServer({ args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'] })));
  for (const s of started) if (s.status === 'fulfilled') cleanups.push(() => s.value.stop());
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) throw failed.reason;
  const servers = started.map((s) => s.value);
  const create = await new Promise((resolve, reject) => {
    const child = spawn('redis-cli', ['--cluster', 'create', ...servers.map((s) => `127.0.0.1:${s.port}`), '--cluster-replicas', '0', '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
  if (create.code !== 0) throw new Error(`redis-cli --cluster create exited ${create.code}: ${create.out.slice(-400)}`);
  const nodes = servers.map((s) => connect(s.port));
  for (let i = 0; ; i++) {
    const infos = await Promise.all(nodes.map((node) => node.cluster('INFO')));
    if (infos.every((info) => info.includes('cluster_state:ok'))) break;
    if (i === 300) throw new Error('the cluster did not reach cluster_state:ok within 30 s');
    await sleep(100);
  }
  return { servers, nodes };
}

function connect(port) {
  const node = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
  cleanups.push(() => node.disconnect());
  return node;
}

const dir = mkdtempSync(join(tmpdir(), 'launchctl-bench-cluster-'));
cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
try {
  const events = generateTraffic({ seed: 13, users: USERS, totalEvents: EVENTS, durationMs: 30 * 60_000, startMs: Date.now() - 30 * 60_000, paths: ['/', '/pricing', '/docs', '/blog/launch'] });
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const users = new Set(events.map((e) => e.userId)).size;
  const loadAtStart = loadavg()[0];
  console.error(`${EVENTS} events of ${users} users; ${availableParallelism()} cores, load average ${loadAtStart.toFixed(1)}`);

  const single = await startRedisServer();
  cleanups.push(() => single.stop());
  const cluster = await startCluster(3);
  const targets = [
    { name: 'single', ports: [single.port], nodes: [connect(single.port)], redis: { url: single.url } },
    { name: 'cluster', ports: cluster.servers.map((s) => s.port), nodes: cluster.nodes, redis: { url: cluster.servers[0].url, cluster: true } },
  ];
  for (const t of targets) {
    t.config = join(dir, `launch.config.${t.name}.json`);
    writeFileSync(t.config, JSON.stringify({ redis: { ...t.redis, keyPrefix: PREFIX }, streams: { maxLen: EVENTS * 2 } }));
    const doc = documentOf(await launchctl(['-c', t.config, '--json', 'ingest', file]), `ingest (${t.name})`);
    if (doc.ingested !== EVENTS) throw new Error(`${t.name}: ingested ${doc.ingested} of ${EVENTS}`);
    console.error(`${t.name}: ingested ${EVENTS} events in ${(doc.durationMs / 1000).toFixed(2)}s`);
  }

  // Interleaved (single, cluster for each consumer count, round after round), so drift in the machine's load hits both alike.
  const runs = { single: {}, cluster: {} };
  for (let r = 1; r <= ROUNDS; r++) {
    for (const n of CONSUMERS) {
      for (const t of targets) {
        const m = await consumeRun(t, n, r);
        (runs[t.name][n] ??= []).push(m);
        const spread = t.nodes.length > 1 ? `, per master ${m.perNodeUs.map((u) => u.toFixed(2)).join(' / ')}` : '';
        console.error(
          `round ${r}, ${t.name}, ${n} consumer(s): ${Math.round(m.perSec)}/s (${Math.round(m.perSecInProcess)}/s in-process), server ${m.serverCpuUs.toFixed(2)} µs/event${spread}, client ${m.clientCpuUs.toFixed(2)} µs/event, shares ${m.processedPerConsumer.join('+')}, load ${m.loadAverage.toFixed(1)}`,
        );
      }
    }
  }

  // Fixed cost of a consume process (node start, connect, discover, exit), on a drained group.
  const startupMs = {};
  for (const t of targets) {
    const r = await launchctl(['-c', t.config, '--json', 'consume', '--once', '--consumer', 'idle']);
    documentOf(r, `consume --once (idle, ${t.name})`);
    startupMs[t.name] = Math.round(r.wallMs);
  }

  // Where the cluster's keys live: the stream's master does the reads and acks, the states spread by user.
  const layout = [];
  for (const [i, node] of cluster.nodes.entries()) {
    layout.push({
      port: cluster.servers[i].port,
      keys: await node.dbsize(),
      states: (await ownKeys(node, `${PREFIX}conv:state:*`)).length,
      holds: [...(await ownKeys(node, `${PREFIX}stream:engagement:*`)).filter(isDayStream).map(() => 'day stream'), ...(await ownKeys(node, `${PREFIX}conv:stats`)).map(() => 'conv:stats')],
    });
  }

  const summarize = (list) => {
    const pick = (f) => median(list.map(f));
    return {
      perSec: Math.round(pick((m) => m.perSec)),
      perSecInProcess: Math.round(pick((m) => m.perSecInProcess)),
      serverCpuUs: round(pick((m) => m.serverCpuUs)),
      clientCpuUs: round(pick((m) => m.clientCpuUs)),
      loadAverage: round(pick((m) => m.loadAverage), 1),
    };
  };
  const result = {
    events: EVENTS,
    users,
    batch: Number(BATCH),
    rounds: ROUNDS,
    cores: availableParallelism(),
    loadAverageAtStart: round(loadAtStart, 1),
    note: `${availableParallelism()} cores hold every process (4 redis-servers, up to ${Math.max(...CONSUMERS)} consumers): more consumers compete with the servers for CPU`,
    startupMs,
    consumers: {},
    cluster: { masters: layout },
  };
  const one = { single: summarize(runs.single[CONSUMERS[0]]), cluster: summarize(runs.cluster[CONSUMERS[0]]) };
  for (const n of CONSUMERS) {
    const s = summarize(runs.single[n]);
    const c = summarize(runs.cluster[n]);
    // Rate relative to the first consumer count (1 by default): > 1 when more consumers help.
    s.vsFirst = round(s.perSec / one.single.perSec);
    c.vsFirst = round(c.perSec / one.cluster.perSec);
    const perMasterUs = layout.map((_, i) => round(median(runs.cluster[n].map((m) => m.perNodeUs[i]))));
    const total = perMasterUs.reduce((a, b) => a + b, 0);
    const shares = perMasterUs.map((u) => u / total);
    result.consumers[n] = {
      single: s,
      cluster: { ...c, perMasterUs, perMasterShare: shares.map((x) => round(x, 3)), maxMinShare: round(Math.max(...shares) / Math.min(...shares)) },
      clusterOverSingle: { rate: round(c.perSec / s.perSec, 3), serverCpu: round(c.serverCpuUs / s.serverCpuUs) },
    };
  }
  result.loadAverage = round(loadavg()[0], 1);

  const rows = [['consumers', 'single ev/s', 'cluster ev/s', 'cluster/single', 'server µs/ev single', 'cluster', 'per master', 'max/min', 'client µs/ev single / cluster', 'load 1m']];
  for (const n of CONSUMERS) {
    const { single: s, cluster: c, clusterOverSingle: x } = result.consumers[n];
    rows.push([String(n), `${s.perSec} (${s.vsFirst.toFixed(2)}x)`, `${c.perSec} (${c.vsFirst.toFixed(2)}x)`, x.rate.toFixed(3), s.serverCpuUs.toFixed(2), c.serverCpuUs.toFixed(2), c.perMasterUs.map((u) => u.toFixed(2)).join(' / '), c.maxMinShare.toFixed(2), `${s.clientCpuUs.toFixed(1)} / ${c.clientCpuUs.toFixed(1)}`, `${s.loadAverage.toFixed(1)} / ${c.loadAverage.toFixed(1)}`]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.error('');
  for (const row of rows) console.error(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  '));
  console.error(`masters, in the per-master column's order: ${layout.map((m) => `:${m.port} ${m.states} states${m.holds.length ? ` + ${m.holds.join(', ')}` : ''}`).join('; ')}`);
  console.error(`start-up of an idle consume --once: single ${startupMs.single} ms, cluster ${startupMs.cluster} ms; ${result.note}; load average ${result.loadAverage}`);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await cleanup();
}
