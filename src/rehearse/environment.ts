// The one environment every rehearsal step shares: a Redis (a throwaway
// redis-server, or the --redis URL under a private key prefix), the stand-in
// site, a temporary folder with the generated config, and a cleanup registry
// that undoes all of it — on success, on error and on Ctrl-C.
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeRedis, connectRedis, scanKeys, type RedisClient } from '../adapters/redis.js';
import { sendCommands } from '../adapters/redis-commands.js';
import { startRedisCluster, startRedisServer } from '../adapters/redis-server.js';
import type { LaunchConfig, LaunchConfigInput } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { maskUrl } from '../util/mask.js';
import type { LatencyStats } from './latency.js';
import { InternalError, UsageError } from '../errors.js';
import { escapeGlob } from '../keys.js';
import { startProductHuntStandIn, type ProductHuntStandIn } from '../standins/producthunt.js';
import { startSiteStandIn, type SiteStandIn, type SiteStandInOptions } from '../standins/site.js';

/** Undo actions run last-in first-out; one failing does not stop the others. */
export class CleanupRegistry {
  private readonly actions: { label: string | null; run: () => Promise<void> | void }[] = [];
  private done = false;

  /** `label` is what the report lists as cleaned; null for housekeeping nobody needs to read. */
  add(label: string | null, run: () => Promise<void> | void): void {
    this.actions.push({ label, run });
  }

  /** Runs every action once; returns what was cleaned and what failed. */
  async runAll(): Promise<{ cleaned: string[]; failed: string[] }> {
    const cleaned: string[] = [];
    const failed: string[] = [];
    if (this.done) return { cleaned, failed };
    this.done = true;
    for (const a of this.actions.reverse()) {
      try {
        await a.run();
        if (a.label !== null) cleaned.push(a.label);
      } catch (err) {
        failed.push(`${a.label ?? 'cleanup'}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { cleaned, failed };
  }
}

export interface RehearsalEnv {
  /** Temporary folder holding the generated config (removed unless --keep). */
  dir: string;
  configPath: string;
  /** True when the Redis URL carries credentials and was therefore left out of the config file. */
  configOmitsRedisUrl: boolean;
  config: LaunchConfig;
  /** Redis URL for display, password masked. */
  redisLabel: string;
  /** True when the rehearsal started its own redis-server (or cluster). */
  ownRedis: boolean;
  /** On a cluster: the nodes the rehearsal started (`127.0.0.1:port`), or [] for a --redis seed; null on a single Redis. */
  clusterNodes: string[] | null;
  redis: RedisClient;
  site: SiteStandIn;
  /** The Product Hunt API stand-in our post's votes climb on (absent when a test opts out). */
  productHunt?: ProductHuntStandIn;
  /** Environment for in-process verbs: holds the stand-in's revalidation secret. */
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  cleanup: CleanupRegistry;
  /** Set by the cold-latency step, compared with by the warm-latency step. */
  coldLatency?: LatencyStats;
  /** Deterministic enough for a rehearsal, injectable for tests. */
  now(): number;
}

export interface CreateRehearsalEnvOptions {
  /** Use this Redis instead of starting one (keys go under a private prefix, deleted after). */
  redisUrl?: string;
  /** Keep the temporary folder. */
  keep?: boolean;
  /** Redis Cluster: start a throwaway three-master cluster, or treat `redisUrl` as a cluster seed node. */
  cluster?: boolean;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  site?: SiteStandInOptions;
  /** Launch paths the rehearsal config lists with their TTLs; the rest come from the sitemap. */
  launchPaths?: { path: string; ttl: number }[];
  tmpRoot?: string;
  /** Start the Product Hunt stand-in (default true). */
  productHunt?: boolean;
}

export const REHEARSAL_SECRET_ENV = 'LAUNCHCTL_REHEARSAL_REVALIDATE_SECRET';
export const REHEARSAL_PH_TOKEN_ENV = 'LAUNCHCTL_REHEARSAL_PH_TOKEN';
/** Votes climb fast enough to see within a few seconds of polling. */
const REHEARSAL_VOTES_PER_MINUTE = 600;

/**
 * The stand-in behaves like a real ISR site: each page takes its own time to
 * render (120-380 ms, fixed per path so runs compare), and one page answers
 * 503 once, so the rehearsal shows a retry.
 */
export const REHEARSAL_SITE: SiteStandInOptions = {
  renderMs: (path) => 120 + ([...path].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 997, 7) % 261),
  failures: { '/changelog': { times: 1, status: 503 } },
};

/** Masters of the throwaway cluster (`rehearse --cluster`): the fewest Redis Cluster allows. */
export const CLUSTER_MASTERS = 3;

const DEFAULT_LAUNCH_PATHS = [
  { path: '/', ttl: 300 },
  { path: '/pricing', ttl: 600 },
  { path: '/signup', ttl: 600 },
  { path: '/blog/launch-day', ttl: 900 },
];

/**
 * A --redis URL must match --cluster: a plain client on a cluster node gets
 * MOVED for most keys (and leaves keys behind it cannot delete), a cluster
 * client on a single Redis cannot load the slots. Asked with a plain client
 * before anything is written; a server that does not answer INFO is left to
 * the real connect to report.
 */
async function refuseClusterMismatch(settings: LaunchConfig['redis']): Promise<void> {
  let enabled: boolean;
  const probe = await connectRedis({ ...settings, cluster: false });
  try {
    enabled = /^cluster_enabled:1\b/m.test(await probe.info('cluster'));
  } catch {
    return;
  } finally {
    await closeRedis(probe);
  }
  const url = maskUrl(settings.url);
  if (enabled && !settings.cluster) throw new UsageError(`--redis ${url} is a Redis Cluster node: add --cluster to rehearse on that cluster (the URL is its seed node)`);
  if (!enabled && settings.cluster) throw new UsageError(`--cluster: --redis ${url} is not a Redis Cluster node (cluster_enabled:0): leave out --cluster to rehearse on that Redis`);
}

/**
 * Sets up the rehearsal environment. Whatever was started before a failure is
 * cleaned up before the error propagates.
 */
export async function createRehearsalEnv(options: CreateRehearsalEnvOptions): Promise<RehearsalEnv> {
  const cleanup = new CleanupRegistry();
  try {
    const dir = await mkdtemp(join(options.tmpRoot ?? tmpdir(), 'launchctl-rehearse-'));
    if (!options.keep) cleanup.add('temporary folder removed', () => rm(dir, { recursive: true, force: true }));
    // A second Ctrl-C exits at once, skipping the cleanup: kill what we started
    // and remove the folder synchronously on the way out all the same.
    const children: ChildProcess[] = [];
    const onForcedExit = () => {
      for (const child of children) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        // redis-server's own working folder is the one after --dir on its command line.
        const at = child.spawnargs.indexOf('--dir');
        if (at >= 0 && child.spawnargs[at + 1]) rmSync(child.spawnargs[at + 1]!, { recursive: true, force: true });
      }
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
    };
    process.once('exit', onForcedExit);
    cleanup.add(null, () => void process.off('exit', onForcedExit));

    let url = options.redisUrl;
    let keyPrefix = '';
    let clusterNodes: string[] | null = options.cluster ? [] : null;
    const onSpawn = (child: ChildProcess) => void children.push(child);
    if (url === undefined && options.cluster) {
      // A failed start stops its own nodes; from here on the cleanup does.
      const cluster = await startRedisCluster({ masters: CLUSTER_MASTERS, onSpawn, signal: options.signal });
      cleanup.add(`Redis Cluster stopped (${cluster.nodes.length} redis-servers)`, () => cluster.stop());
      url = cluster.url;
      clusterNodes = cluster.nodes.map((n) => `127.0.0.1:${n.port}`);
    } else if (url === undefined) {
      const server = await startRedisServer({ onSpawn });
      cleanup.add('redis-server stopped', () => server.stop());
      url = server.url;
    } else {
      // A shared Redis: everything the rehearsal writes lives under its own prefix.
      keyPrefix = `rehearse:${randomBytes(4).toString('hex')}:`;
    }

    const site = await startSiteStandIn(options.site ?? REHEARSAL_SITE);
    cleanup.add('stand-in site stopped', () => site.stop());

    let productHunt: ProductHuntStandIn | undefined;
    if (options.productHunt !== false) {
      const ph = await startProductHuntStandIn({ post: 'rehearsal', postName: 'Rehearsal', votesPerMinute: REHEARSAL_VOTES_PER_MINUTE, startVotes: 120 });
      productHunt = ph;
      cleanup.add('Product Hunt stand-in stopped', () => ph.stop());
    }

    const input: LaunchConfigInput = {
      launch: { name: 'Rehearsal', t0: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, 'Z') },
      redis: { url, keyPrefix, cluster: options.cluster === true },
      site: { origin: site.origin, revalidate: { url: site.revalidateUrl, secretEnv: REHEARSAL_SECRET_ENV } },
      warm: { paths: options.launchPaths ?? DEFAULT_LAUNCH_PATHS, sitemap: site.sitemapUrl, timeoutMs: 5000 },
      // cacheTtl 1 s so the rehearsal's polls a second apart each see the votes move.
      ...(productHunt ? { productHunt: { post: productHunt.post, apiUrl: productHunt.url, tokenEnv: REHEARSAL_PH_TOKEN_ENV, cacheTtl: 1 } } : {}),
    };
    const validated = validateConfig(input);
    if (!validated.ok) throw new InternalError(`rehearsal config is invalid: ${validated.errors.join('; ')}`);
    const configPath = join(dir, 'launch.config.json');
    // No secret on disk, --keep or not: a URL with credentials stays out of the file (REDIS_URL or --redis gives it).
    const configOmitsRedisUrl = maskUrl(url) !== url;
    const fileInput = configOmitsRedisUrl ? { ...input, redis: { keyPrefix } } : input;
    await writeFile(configPath, `${JSON.stringify(fileInput, null, 2)}\n`);

    if (options.redisUrl !== undefined) await refuseClusterMismatch(validated.config.redis);
    const redis = await connectRedis(validated.config.redis);
    // LIFO: the keys are deleted first, then the client closes, then the server stops.
    cleanup.add('Redis connection closed', () => closeRedis(redis));
    if (keyPrefix !== '') {
      cleanup.add(`rehearsal keys under ${keyPrefix}* deleted`, async () => {
        // One UNLINK per key on a cluster: a batch spans hash slots (CROSSSLOT in one command).
        for await (const batch of scanKeys(redis, `${escapeGlob(keyPrefix)}*`)) {
          if (clusterNodes === null) await redis.unlink(...batch);
          else for (const [err] of await sendCommands(redis, batch.map((k) => ['UNLINK', k]))) if (err) throw err;
        }
      });
    }
    const env: RehearsalEnv = {
      dir,
      configPath,
      configOmitsRedisUrl,
      config: validated.config,
      redisLabel: maskUrl(url),
      ownRedis: options.redisUrl === undefined,
      clusterNodes,
      redis,
      site,
      productHunt,
      env: {
        ...(options.env ?? process.env),
        [REHEARSAL_SECRET_ENV]: site.revalidateSecret,
        ...(productHunt ? { [REHEARSAL_PH_TOKEN_ENV]: productHunt.token } : {}),
      },
      signal: options.signal,
      cleanup,
      now: () => Date.now(),
    };
    return env;
  } catch (err) {
    await cleanup.runAll();
    throw err;
  }
}
