// Benchmark: the cost of one `watch` refresh (PING + one pipeline) does not
// grow with the keyspace. Measures the median refresh time with 1,000 state
// keys and again with WATCH_BENCH_KEYS (default 1,000,000), each as a ratio to
// a reference measured in the same run on the same throwaway redis-server:
// one bare `INFO` round trip (what `redis-cli --stat` sends per line).
// Run: `npm run bench:watch` (WATCH_BENCH_KEYS=200000 for a quicker run).
import { Redis } from 'ioredis';
import { measurePair, pipeCommands, stateKeys } from './lib.mjs';
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
    await pipeCommands(server.port, stateKeys(from, to));
    const dbsize = await raw.dbsize();
    const [refreshMs, infoMs] = await measurePair(
      () => collectSnapshot(sources),
      () => raw.info(),
      SAMPLES,
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
