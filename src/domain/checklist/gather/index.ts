// Gathers the facts the selected checks need, once per run: independent
// sources in parallel (Redis, the site, its TLS certificate), each under its
// own deadline; the Redis facts share one connection.
import { createHttpAgent } from '../../../adapters/http.js';
import { closeRedis, connectRedis, withRedis, type RedisClient } from '../../../adapters/redis.js';
import { readSecret } from '../../../config/load.js';
import { maskUrl } from '../../../util/mask.js';
import type { LaunchConfig } from '../../../config/schema.js';
import { UnreachableError } from '../../../errors.js';
import { createKeys } from '../../../keys.js';
import { launchPaths, type ChecklistFacts, type ClusterFacts, type Fact, type FactName, type Phase } from '../types.js';
import { readClusterFacts } from './cluster.js';
import { gatherFact } from './fact.js';
import { readPhFacts } from './ph.js';
import { readCounterFacts, readMarkerFacts } from './redis-keys.js';
import { readRedisFacts } from './redis.js';
import { readSiteFacts, readSocialFacts, readTlsFacts } from './site.js';
import { readStreamsFacts } from './streams.js';

const REDIS_FACTS: readonly FactName[] = ['redis', 'cluster', 'streams', 'markers', 'counters', 'ph'];
/** Product Hunt answers may need the API's own timeout plus one retry's backoff. */
const PH_EXTRA_MS = 2000;

export interface GatherOptions {
  config: LaunchConfig;
  env: NodeJS.ProcessEnv;
  needs: ReadonlySet<FactName>;
  phase: Phase;
  nowMs: number;
  reportPath: string | null;
  signal: AbortSignal;
  /** Told when each source is done, for a spinner. */
  onProgress?: (done: string) => void;
}

/** The cluster facts through a plain connection to the seed node (redis.url), or a failure. */
async function readSeedClusterFacts(settings: LaunchConfig['redis']): Promise<ClusterFacts> {
  return withRedis({ ...settings, cluster: false }, (seed) => readClusterFacts(seed, true));
}

export interface GatheredFacts {
  facts: ChecklistFacts;
  /** Redis could not be reached at all (exit 3 once the report is out). */
  redisUnreachable: boolean;
}

export async function gatherChecklistFacts(o: GatherOptions): Promise<GatheredFacts> {
  const { config, needs, signal } = o;
  const t = config.thresholds;
  const facts: ChecklistFacts = {
    nowMs: o.nowMs,
    phase: o.phase,
    config,
    revalidateSecretSet: config.site?.revalidate ? readSecret(o.env, config.site.revalidate.secretEnv) !== undefined : false,
    reportPath: o.reportPath,
  };
  const progress = <T>(what: string, p: Promise<Fact<T>>, assign: (f: Fact<T>) => void) =>
    p.then((f) => {
      assign(f);
      o.onProgress?.(what);
    });
  const tasks: Promise<void>[] = [];
  let redisUnreachable = false;

  const site = config.site;
  const agent = site ? createHttpAgent({ connections: config.warm.concurrency, connectTimeoutMs: Math.min(t.checkTimeoutMs, 5000) }) : undefined;
  if (site && agent) {
    const probe = (s: AbortSignal) => ({ origin: site.origin, userAgent: site.userAgent, timeoutMs: Math.min(config.warm.timeoutMs, t.checkTimeoutMs), dispatcher: agent, signal: s });
    if (needs.has('site')) {
      const paths = launchPaths(config);
      tasks.push(progress('site', gatherFact('site', t.checkTimeoutMs * t.siteSamples, signal, (s) => readSiteFacts(paths, t.siteSamples, config.warm.concurrency, probe(s))), (f) => (facts.site = f)));
    }
    if (needs.has('social')) tasks.push(progress('og: tags', gatherFact('landing page', t.checkTimeoutMs, signal, (s) => readSocialFacts(probe(s))), (f) => (facts.social = f)));
    if (needs.has('tls') && site.origin.startsWith('https:')) {
      tasks.push(progress('TLS', gatherFact('TLS', t.checkTimeoutMs, signal, (s) => readTlsFacts(site.origin, t.checkTimeoutMs, s)), (f) => (facts.tls = f)));
    }
  }

  if (REDIS_FACTS.some((n) => needs.has(n))) {
    tasks.push(
      (async () => {
        let client: RedisClient;
        try {
          client = await connectRedis(config.redis, 'oneshot');
        } catch (err) {
          // A bad redis.* setting (ConfigError) is a usage problem: exit 2, not a failed check.
          if (!(err instanceof UnreachableError)) throw err;
          redisUnreachable = true;
          const cause = err instanceof Error ? err.message : String(err);
          const down = { ok: false as const, cause, unreachable: true };
          // redis.reachable reports the cause; the other Redis checks skip rather than fail again.
          for (const n of REDIS_FACTS) if (needs.has(n)) facts[n] = down;
          if (config.redis.cluster && needs.has('cluster')) {
            // A cluster that lost a master without a replica (cluster_state:fail) refuses the cluster
            // client, though its nodes answer: ask the seed node alone why, for redis.cluster.
            const seen = await gatherFact('Redis Cluster', t.checkTimeoutMs, signal, () => readSeedClusterFacts(config.redis));
            if (seen.ok) facts.cluster = seen;
          }
          o.onProgress?.('Redis');
          return;
        }
        try {
          const keys = createKeys(config.redis.keyPrefix);
          const redisTasks: Promise<void>[] = [];
          const add = <T>(name: FactName, what: string, timeoutMs: number, fn: (s: AbortSignal) => Promise<T>, assign: (f: Fact<T>) => void) => {
            if (needs.has(name)) redisTasks.push(progress(what, gatherFact(what, timeoutMs, signal, fn), assign));
          };
          add('redis', 'Redis INFO', t.checkTimeoutMs, (s) => readRedisFacts(client, maskUrl(config.redis.url), s), (f) => (facts.redis = f));
          add('cluster', 'Redis Cluster', t.checkTimeoutMs, () => readClusterFacts(client, config.redis.cluster), (f) => (facts.cluster = f));
          add('streams', 'streams', t.checkTimeoutMs, () => readStreamsFacts(client, keys, config, o.nowMs), (f) => (facts.streams = f));
          add('markers', 'warm markers', t.checkTimeoutMs, () => readMarkerFacts(client, keys, launchPaths(config)), (f) => (facts.markers = f));
          add('counters', 'counters', t.checkTimeoutMs, () => readCounterFacts(client, keys), (f) => (facts.counters = f));
          if (config.productHunt) {
            const phTimeoutMs = Math.max(t.checkTimeoutMs, config.productHunt.timeoutMs + PH_EXTRA_MS);
            add('ph', 'Product Hunt', phTimeoutMs, (s) => readPhFacts({ config, redis: client, env: o.env, cacheOnly: o.phase === 't+1', signal: s }), (f) => (facts.ph = f));
          }
          await Promise.all(redisTasks);
          // A master that does not answer, or slots no master serves (cluster_state:fail, a
          // failover window), is Redis partly unreachable: the run exits 3 once the report
          // is out, as when none answers.
          if (facts.redis?.ok && facts.redis.value.unanswered.length > 0) redisUnreachable = true;
          const cluster = facts.cluster?.ok ? facts.cluster.value : null;
          if (cluster?.enabled && cluster.state !== 'ok') redisUnreachable = true;
        } finally {
          await closeRedis(client);
        }
      })(),
    );
  }

  try {
    await Promise.all(tasks);
  } finally {
    await agent?.close();
  }
  return { facts, redisUnreachable };
}
