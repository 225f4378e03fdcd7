// npm run bench:ph — two ratios measured in the same run (speed goes in bench/,
// as a ratio to a reference measured alongside):
//   1. A cached `getPhStatus` (the answer every process but one reads) relative
//      to one bare Redis GET of the same cache key, median of 300. It does a
//      GET, an XRANGE of the history and an HGETALL of the budget, so the goal
//      is <= 6.
//   2. 50 concurrent callers (5 processes' worth of clients x 10) asking at once
//      against a stand-in that takes 300 ms per answer, wall time relative to
//      one upstream request. The shared lock makes them wait for one fetch, so
//      the goal is <= 2 (and exactly one upstream request).
// Runs the built dist/ (npm run bench:ph builds first). Needs redis-server.
import { startRedisServer } from '../dist/adapters/redis-server.js';
import { connectRedis, closeRedis } from '../dist/adapters/redis.js';
import { validateConfig } from '../dist/config/validate.js';
import { createKeys } from '../dist/keys.js';
import { getPhStatus } from '../dist/domain/ph/service.js';
import { startProductHuntStandIn } from '../dist/standins/producthunt.js';

const CACHED_RUNS = 300;
const CALLERS = 50;
const CLIENTS = 5;
const LATENCY_MS = 300;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const server = await startRedisServer();
const standIn = await startProductHuntStandIn({ latencyMs: LATENCY_MS });
const env = { PH_TOKEN: standIn.token };
const makeConfig = (prefix) => {
  const r = validateConfig({ redis: { url: server.url, keyPrefix: prefix }, productHunt: { post: standIn.post, apiUrl: standIn.url } });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
};

try {
  // 1. cached read vs bare GET
  const config = makeConfig('bench1:');
  const redis = await connectRedis(config.redis);
  await getPhStatus({ config, redis, env });
  const key = createKeys('bench1:').phCache(`status:${standIn.post}`);
  const timeIt = async (fn) => {
    const xs = [];
    for (let i = 0; i < CACHED_RUNS; i++) {
      const t = performance.now();
      await fn();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  await timeIt(() => redis.get(key)); // warm-up
  const bareMs = await timeIt(() => redis.get(key));
  const cachedMs = await timeIt(() => getPhStatus({ config, redis, env }));
  await closeRedis(redis);

  // 2. concurrent callers vs one upstream request
  const config2 = makeConfig('bench2:');
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => connectRedis(config2.redis)));
  const single = makeConfig('bench3:');
  const singleRedis = await connectRedis(single.redis);
  let t = performance.now();
  await getPhStatus({ config: single, redis: singleRedis, env, fresh: true });
  const oneRequestMs = performance.now() - t;
  await closeRedis(singleRedis);
  const afterSingle = standIn.requestCount();
  t = performance.now();
  await Promise.all(Array.from({ length: CALLERS }, (_, i) => getPhStatus({ config: config2, redis: clients[i % CLIENTS], env })));
  const concurrentMs = performance.now() - t;
  const upstream = standIn.requestCount() - afterSingle;
  await Promise.all(clients.map((c) => closeRedis(c)));

  const r1 = cachedMs / bareMs;
  const r2 = concurrentMs / oneRequestMs;
  console.log(`cached getPhStatus: ${cachedMs.toFixed(3)} ms median vs bare GET ${bareMs.toFixed(3)} ms → ratio ${r1.toFixed(2)} (goal <= 6) ${r1 <= 6 ? 'OK' : 'MISSED'}`);
  console.log(`${CALLERS} concurrent callers: ${concurrentMs.toFixed(0)} ms vs one request ${oneRequestMs.toFixed(0)} ms → ratio ${r2.toFixed(2)} (goal <= 2) ${r2 <= 2 ? 'OK' : 'MISSED'}; upstream requests: ${upstream} (goal 1) ${upstream === 1 ? 'OK' : 'MISSED'}`);
} finally {
  await standIn.stop();
  await server.stop();
}
