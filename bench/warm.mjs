// npm run bench:warm — two ratios measured in the same run (SPEC: speed goes in
// bench/, as a ratio to a reference measured alongside, never as an absolute
// number in a test):
//   1. `warm` of 5,000 paths at concurrency 64 against a local origin, in
//      requests per second, relative to `wrk -c 64 -t 2 -d 5s` against the same
//      origin. Goal: >= 0.5.
//   2. `launchctl --help` wall time relative to `node -e 0`, median of 10 runs.
//      Goal: <= 1.3.
// Runs the built dist/ (npm run bench:warm builds first). Needs redis-server;
// installs wrk with apt-get when it is missing and we are root.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { validateConfig } from '../dist/config/validate.js';
import { warm } from '../dist/domain/warm/run.js';

const PATHS = 5000;
const CONCURRENCY = 64;
const WARM_RUNS = 2;
const WARMUP_RUNS = 3;
const ROUNDS = 3;
const HELP_RUNS = 10;
const bin = fileURLToPath(new URL('../bin/launchctl.js', import.meta.url));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function haveWrk() {
  return spawnSync('wrk', ['--version']).error === undefined;
}

function ensureWrk() {
  if (haveWrk()) return true;
  if (process.getuid?.() !== 0) return false;
  console.error('wrk not found: installing it with apt-get');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'ignore', env });
  if (!haveWrk()) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'ignore', env });
    spawnSync('apt-get', ['install', '-y', '-q', 'wrk'], { stdio: 'ignore', env });
  }
  return haveWrk();
}

async function startOrigin() {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./origin.mjs', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (d) => resolve(Number(String(d).trim())));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((r) => (child.once('exit', r), child.kill('SIGTERM'))) };
}

function runWrk(url) {
  const out = execFileSync('wrk', ['-c', String(CONCURRENCY), '-t', '2', '-d', '5s', `${url}/p/1`], { encoding: 'utf8' });
  const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!m) throw new Error(`cannot read wrk output:\n${out}`);
  return Number(m[1]);
}

async function benchWarm(origin, redisUrl, run) {
  const raw = {
    redis: { url: redisUrl, keyPrefix: `bench:${run}:` },
    site: { origin },
    warm: { paths: Array.from({ length: PATHS }, (_, i) => ({ path: `/p/${i}`, ttl: 300 })), concurrency: CONCURRENCY, retries: 0 },
    thresholds: { warmupSuccessRate: 1 },
  };
  const v = validateConfig(raw);
  if (!v.ok) throw new Error(v.errors.join('\n'));
  const started = performance.now();
  const { result } = await warm({ config: v.config });
  const seconds = (performance.now() - started) / 1000;
  if (result.warmed !== PATHS) throw new Error(`warm run ${run}: ${result.warmed}/${PATHS} warmed (${result.paths.find((p) => p.error)?.error})`);
  return PATHS / seconds;
}

function timeRun(args) {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}`);
  return performance.now() - started;
}

const origin = await startOrigin();
const redis = await startRedisServer();
try {
  // 1. warm vs wrk
  let ratio1 = null;
  if (ensureWrk()) {
    // wrk's figure is a steady state (5 s of warm sockets), so warm's is too:
    // WARMUP_RUNS unmeasured runs first (JIT, undici's llhttp wasm). The first
    // run of a fresh process is printed as well: that is what a one-off
    // `launchctl warm` of 5,000 paths gets. The machine's load drifts (2 cores,
    // shared), so wrk and warm alternate in ROUNDS and each round gives a ratio
    // of figures taken seconds apart; the median round is reported.
    const wrkFirst = runWrk(origin.url);
    const first = await benchWarm(origin.url, redis.url, 'first');
    for (let i = 1; i < WARMUP_RUNS; i++) await benchWarm(origin.url, redis.url, `warmup-${i}`);
    const rounds = [];
    for (let r = 0; r < ROUNDS; r++) {
      const wrkRps = runWrk(origin.url);
      const runs = [];
      for (let i = 0; i < WARM_RUNS; i++) runs.push(await benchWarm(origin.url, redis.url, `${r}-${i}`));
      rounds.push({ wrkRps, warmRps: median(runs), ratio: median(runs) / wrkRps });
      console.log(`round ${r + 1}: warm ${Math.round(median(runs))} req/s (median of ${runs.map(Math.round).join(', ')}), wrk ${Math.round(wrkRps)} req/s, ratio ${(median(runs) / wrkRps).toFixed(2)}`);
    }
    ratio1 = median(rounds.map((r) => r.ratio));
    console.log(`warm:   ${PATHS} paths at concurrency ${CONCURRENCY}: ${Math.round(median(rounds.map((r) => r.warmRps)))} req/s steady; first run in a fresh process ${Math.round(first)} req/s`);
    console.log(`wrk:    -c ${CONCURRENCY} -t 2 -d 5s: ${Math.round(median(rounds.map((r) => r.wrkRps)))} req/s`);
    console.log(`ratio 1 (warm / wrk req/s, median of ${ROUNDS} rounds): ${ratio1.toFixed(2)}  (goal >= 0.5) ${ratio1 >= 0.5 ? 'met' : 'NOT met'}; first run of a fresh process: ${(first / wrkFirst).toFixed(2)}`);
  } else {
    console.log('ratio 1: skipped, wrk is not installed (apt-get install wrk)');
  }

  // 2. --help vs node -e 0
  timeRun([bin, '--help']);
  const help = [];
  const bare = [];
  for (let i = 0; i < HELP_RUNS; i++) {
    bare.push(timeRun(['-e', '0']));
    help.push(timeRun([bin, '--help']));
  }
  const ratio2 = median(help) / median(bare);
  console.log(`help:   launchctl --help ${median(help).toFixed(0)} ms, node -e 0 ${median(bare).toFixed(0)} ms (medians of ${HELP_RUNS})`);
  console.log(`ratio 2 (--help / node -e 0 wall time): ${ratio2.toFixed(2)}  (goal <= 1.3) ${ratio2 <= 1.3 ? 'met' : 'NOT met'}`);
} finally {
  await redis.stop();
  await origin.stop();
}
