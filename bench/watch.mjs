// Benchmark: the cost of one `watch` refresh (PING + one pipeline) does not
// grow with the keyspace. Measures the median refresh time with 1,000 state
// keys and again with WATCH_BENCH_KEYS (default 1,000,000), each as a ratio to
// a reference measured in the same run on the same throwaway redis-server:
// one bare `INFO` round trip (what `redis-cli --stat` sends per line).
// Run: `npm run bench:watch` (WATCH_BENCH_KEYS=200000 for a quicker run).
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { connectRedis, closeRedis } from '../dist/adapters/redis.js';
import { validateConfig } from '../dist/config/validate.js';
import { createKeys } from '../dist/keys.js';
import { collectSnapshot, commandsPerRefresh } from '../dist/domain/watch/collect.js';

const LARGE = Number(process.env.WATCH_BENCH_KEYS ?? 1_000_000);
const SMALL = 1000;
const SAMPLES = 200;
/** The refresh over the large keyspace may cost at most this much more than over the small one. */
const GOAL_GROWTH = 1.5;

function resp(args) {
  let out = `*${args.length}\r\n`;
  for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
  return out;
}

async function loadStates(port, from, to) {
  const child = spawn('redis-cli', ['-p', String(port), '--pipe'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let report = '';
  child.stdout.on('data', (d) => (report += d));
  let chunk = '';
  for (let i = from; i < to; i++) {
    chunk += resp(['SET', `conv:state:user-${i}`, '{"variant":"default","confidence":0.1,"lastUpdated":1}', 'EX', '86400']);
    if (chunk.length > 1 << 20) {
      if (!child.stdin.write(chunk)) await new Promise((r) => child.stdin.once('drain', r));
      chunk = '';
    }
  }
  child.stdin.end(chunk);
  await new Promise((r) => child.on('close', r));
  if (!/errors: 0/.test(report)) throw new Error(`redis-cli --pipe: ${report}`);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/**
 * Medians of `a` and `b` measured alternately (after a warm-up of both), so
 * JIT warm-up and drift on a shared machine hit the refresh and its reference
 * alike. (Measured one after the other, the first bare INFO ran before its code
 * was warm and made the reference 3x slower at 1,000 keys than at 1,000,000.)
 */
async function measurePair(a, b) {
  for (let i = 0; i < 30; i++) {
    await a();
    await b();
  }
  const ta = [];
  const tb = [];
  for (let i = 0; i < SAMPLES; i++) {
    let t = process.hrtime.bigint();
    await a();
    ta.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await b();
    tb.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return [median(ta), median(tb)];
}

const server = await startRedisServer();
const result = validateConfig({ redis: { url: server.url }, warm: { paths: [{ path: '/', ttl: 300 }, { path: '/pricing', ttl: 600 }, { path: '/docs', ttl: 600 }] } });
if (!result.ok) throw new Error(result.errors.join('\n'));
const config = result.config;
const keys = createKeys('');
const client = await connectRedis(config.redis, 'patient');
const raw = new Redis(server.url);
const sources = { client, config, keys, url: server.url };
try {
  const rows = [];
  for (const [from, to] of [[0, SMALL], [SMALL, LARGE]]) {
    await loadStates(server.port, from, to);
    const dbsize = await raw.dbsize();
    const [refreshMs, infoMs] = await measurePair(
      () => collectSnapshot(sources),
      () => raw.info(),
    );
    rows.push({ keys: dbsize, refreshMs, infoMs, ratio: refreshMs / infoMs });
  }
  const growth = rows[1].ratio / rows[0].ratio;
  console.log(`watch refresh: ${commandsPerRefresh(config)} commands (PING + pipeline), median of ${SAMPLES}`);
  for (const r of rows) {
    console.log(`  ${String(r.keys).padStart(9)} keys: refresh ${r.refreshMs.toFixed(3)} ms, bare INFO ${r.infoMs.toFixed(3)} ms, ratio ${r.ratio.toFixed(2)}`);
  }
  console.log(`growth of the ratio from ${rows[0].keys} to ${rows[1].keys} keys: ${growth.toFixed(2)}x (goal ≤ ${GOAL_GROWTH}x) ${growth <= GOAL_GROWTH ? 'PASS' : 'FAIL'}`);
  process.exitCode = growth <= GOAL_GROWTH ? 0 : 1;
} finally {
  raw.disconnect();
  await closeRedis(client);
  await server.stop();
}
