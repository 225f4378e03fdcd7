// The warm executor, runWarm: the CLI's `warm` and the library's `warm()` both
// call it. It plans (paths.ts, plan.ts, ttl.ts), GETs every planned path with
// bounded concurrency and retries, sets the Redis markers with SET NX EX in
// batches, sends the paths that still fail to the revalidation endpoint, and
// returns one result that --json and the table both render (render.ts).
// Per-path failures (HTTP or Redis) are results, never thrown.
import type { Dispatcher } from 'undici';
import { createHttpAgent, describeHttpError, httpRequest, isRetryableHttpError, type DispatchTarget, type HttpRequestOptions } from '../../adapters/http.js';
import { sendCommands } from '../../adapters/redis-commands.js';
import { replyErrorCode } from '../../adapters/redis-errors.js';
import { closeRedis, connectRedis, type RedisClient } from '../../adapters/redis.js';
import type { LaunchConfig } from '../../config/schema.js';
import { readSecret } from '../../config/load.js';
import { ConfigError, UsageError } from '../../errors.js';
import { createKeys } from '../../keys.js';
import { formatDuration } from '../../util/duration.js';
import { maskSecrets } from '../../util/mask.js';
import { sleep } from '../../util/sleep.js';
import { percentile } from '../../util/stats.js';
import { equalJitterDelayMs } from '../../util/backoff.js';
import { foreignHostOfFast, selectWarmTargets, type WarmTarget } from './paths.js';
import { planWarm, type WarmPlan, type WarmPlanEntry, type WarmPredictiveInfo, type WarmSources } from './plan.js';

export type { WarmPredictiveInfo };
import { isRedirect, isRetryableStatus, readCacheStatus } from './response.js';
import { readEngagementCounts, readPathsFile, readSitemapPaths } from './sources.js';
import { planPredictiveFactors, type PredictiveFactor, type RandomSource } from './ttl.js';

export type WarmOutcome = 'warmed' | 'skipped' | 'failed';

export interface WarmPathResult {
  path: string;
  result: WarmOutcome;
  httpStatus: number | null;
  latencyMs: number | null;
  /** TTL the marker was set with (null when none was set). */
  ttl: number | null;
  /** For `skipped`: seconds left on the marker that was already there. */
  existingTtl: number | null;
  cacheStatus: string | null;
  error: string | null;
  /** Where the failure happened: the GET, or the marker write. */
  stage: 'http' | 'redis' | null;
  attempts: number;
  factor: number;
  reason: string | null;
  /** The cache-status header read, and the age header. */
  cacheHeader: string | null;
  ageS: number | null;
  /** A redirect's target (reported, not followed). */
  location: string | null;
  /** Handed to the revalidation endpoint after failing. */
  revalidated: boolean;
}

export interface WarmFallback {
  url: string;
  paths: string[];
  /** HTTP status the endpoint answered, null when it could not be reached or was not called. */
  status: number | null;
  ok: boolean;
  /** The start of the endpoint's answer, secret masked. */
  body: string | null;
  error: string | null;
}

export interface WarmResult {
  total: number;
  warmed: number;
  skipped: number;
  failed: number;
  /** (warmed + skipped) / total; 1 for an empty run. */
  successRate: number;
  threshold: number;
  passed: boolean;
  latency: { p50: number | null; p95: number | null };
  /** Responses per reported cache status ("MISS": 14, "HIT": 2); paths without a header are not counted. */
  cacheStatuses: Record<string, number>;
  durationMs: number;
  paths: WarmPathResult[];
  fallback: WarmFallback | null;
  predictive: WarmPredictiveInfo | null;
  notes: string[];
  interrupted: boolean;
  /**
   * The first error Redis answered a marker write with (OOM, READONLY, NOPERM,
   * a lost or silent connection), or null: the pages were fetched but Redis
   * refused the work, which the CLI reports with exit 3 after the table.
   */
  redisError: Error | null;
}

interface PrepareWarmOptions {
  /** The config, with --sitemap and --concurrency merged in by the loader. */
  config: LaunchConfig;
  /** Needed for --predictive (reads the engagement streams). */
  redis?: RedisClient;
  cwd?: string;
  pathsFile?: string;
  exclude?: string[];
  limit?: number;
  predictive?: boolean;
  random?: RandomSource;
  now?: () => number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Engagement entries read at most under --predictive. */
  predictiveSample?: number;
}

export function requireOrigin(config: LaunchConfig): string {
  if (!config.site) throw new ConfigError('site: required for warm', ['site.origin: the site to warm, e.g. "https://acme.example"']);
  return config.site.origin;
}

/** Reads the path sources (and the engagement streams under --predictive) and plans the run. */
async function prepareWarm(options: PrepareWarmOptions): Promise<WarmPlan> {
  const { config } = options;
  const origin = requireOrigin(config);
  const keys = createKeys(config.redis.keyPrefix);
  const notes: string[] = [];
  const basePath = new URL(origin).pathname;
  if (basePath !== '/' && basePath !== '') {
    notes.push(`site.origin has a path (${basePath}): it is ignored, paths are taken from the host root (write /app/pricing, not /pricing)`);
  }
  const sources: WarmTarget[][] = [config.warm.paths.map((p) => ({ path: p.path, ttl: p.ttl, source: 'config' as const }))];

  const sitemapUrl = config.warm.sitemap;
  let sitemapInfo: WarmSources['sitemap'] = null;
  let fileCount: number | null = null;
  if (sitemapUrl) {
    const sm = await readSitemapPaths(sitemapUrl, {
      origin,
      cwd: options.cwd,
      timeoutMs: config.warm.timeoutMs,
      userAgent: config.site?.userAgent ?? 'launchctl-warmer',
      dispatcher: options.dispatcher,
      signal: options.signal,
    });
    sources.push(sm.paths.map((path) => ({ path, ttl: config.warm.defaultTtl, source: 'sitemap' as const })));
    notes.push(`sitemap: ${sm.paths.length} paths from ${sm.files} file${sm.files === 1 ? '' : 's'}`);
    if (sm.foreign > 0) notes.push(`sitemap: ${sm.foreign} URL${sm.foreign === 1 ? '' : 's'} of another origin skipped (only ${origin} is warmed)`);
    notes.push(...sm.problems.map((p) => `sitemap: ${p}`));
    sitemapInfo = { paths: sm.paths.length, files: sm.files, foreign: sm.foreign, problems: sm.problems };
  }
  if (options.pathsFile) {
    const lines = await readPathsFile(options.pathsFile, options.cwd ?? process.cwd());
    sources.push(lines.map((path) => ({ path, ttl: config.warm.defaultTtl, source: 'file' as const })));
    fileCount = lines.length;
  }
  const selection = selectWarmTargets(sources, { exclude: options.exclude, limit: options.limit });
  if (selection.excluded > 0) notes.push(`--exclude: ${selection.excluded} path${selection.excluded === 1 ? '' : 's'} skipped`);
  if (selection.overLimit > 0) notes.push(`--limit: ${selection.overLimit} more path${selection.overLimit === 1 ? '' : 's'} not warmed`);

  let factors: Map<string, PredictiveFactor> | null = null;
  let predictive: WarmPredictiveInfo | null = null;
  if (options.predictive) {
    const windowMs = config.warm.predictiveWindowMs;
    const counts = options.redis
      ? await readEngagementCounts(options.redis, keys, { windowMs, now: (options.now ?? Date.now)(), maxEntries: options.predictiveSample })
      : { counts: null, sampled: 0, capped: false, note: 'no Redis client: no engagement history' };
    predictive = { windowMs, sampled: counts.sampled, capped: counts.capped, note: counts.note };
    if (counts.note) notes.push(`predictive: ${counts.note}`);
    factors = planPredictiveFactors({
      paths: selection.targets.map((t) => t.path),
      counts: counts.counts,
      maxFactor: config.warm.predictiveMaxFactor,
      windowLabel: formatDuration(windowMs).replace(/ 00[sm]$/, ''),
    });
  }
  return planWarm({
    targets: selection.targets,
    origin,
    keys,
    jitter: config.warm.jitter,
    factors,
    predictive,
    random: options.random,
    notes,
    sources: {
      config: config.warm.paths.length,
      sitemap: sitemapInfo,
      file: fileCount,
      duplicates: selection.duplicates,
      excluded: selection.excluded,
      overLimit: selection.overLimit,
    },
  });
}

export interface ExecuteWarmOptions {
  config: LaunchConfig;
  redis: RedisClient;
  env?: NodeJS.ProcessEnv;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  random?: RandomSource;
  now?: () => number;
  /** First retry waits about this long, doubling after (default 250 ms). */
  retryBaseMs?: number;
  /** Called as each path finishes, for progress. */
  onPath?: (result: WarmPathResult, done: number, total: number) => void;
}

const DEFAULT_RETRY_BASE_MS = 250;
const RETRY_CAP_MS = 5000;
const WARM_HEADERS = (userAgent = 'launchctl-warmer') => ({
  'user-agent': userAgent,
  accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  'accept-encoding': 'gzip, deflate, br',
});
const MARKER_BATCH = 256;
const MARKER_FLUSH_MS = 2;
/** How much of the revalidation endpoint's answer is kept for the report. */
const FALLBACK_BODY_CHARS = 200;
const FALLBACK_MAX_BODY_BYTES = 64 * 1024;

interface FetchOutcome {
  status: number | null;
  headers: Record<string, string>;
  latencyMs: number | null;
  attempts: number;
  error: string | null;
}

/** GET with retries on network errors and 5xx only; redirects and 4xx are answers. */
async function fetchWithRetries(target: DispatchTarget, request: HttpRequestOptions, options: ExecuteWarmOptions): Promise<FetchOutcome> {
  const retries = options.config.warm.retries;
  let last: FetchOutcome | undefined;
  for (let attempt = 1; attempt <= retries + 1; attempt++) {
    if (attempt > 1) {
      if (options.signal?.aborted) break;
      await sleep(equalJitterDelayMs(attempt - 1, { baseDelayMs: options.retryBaseMs ?? DEFAULT_RETRY_BASE_MS, maxDelayMs: RETRY_CAP_MS }, options.random), options.signal);
    }
    try {
      const res = await httpRequest(target, request);
      last = { status: res.status, headers: res.headers, latencyMs: Math.round(res.latencyMs), attempts: attempt, error: null };
      if (!isRetryableStatus(res.status)) return last;
      last.error = `HTTP ${res.status}`;
    } catch (err) {
      last = { status: null, headers: {}, latencyMs: null, attempts: attempt, error: describeHttpError(err) };
      if (!isRetryableHttpError(err)) return last;
    }
  }
  if (!last) return { status: null, headers: {}, latencyMs: null, attempts: 0, error: null };
  if (last.error && last.attempts > 1) last.error += ` after ${last.attempts} attempts`;
  return last;
}

interface MarkerOutcome {
  set: boolean;
  error: string | null;
  /** Seconds left on a marker that already existed (null when set or unknown). */
  existingTtl: number | null;
}

interface MarkerWrite {
  key: string;
  value: string;
  ttl: number;
  resolve(outcome: MarkerOutcome): void;
}

/**
 * Batches marker writes (SET NX EX, then TTL of the markers that already
 * existed): writes queued within MARKER_FLUSH_MS go out together through
 * sendCommands (one pipeline on a single Redis, so 5,000 paths cost a few dozen
 * round trips; routed per node on a cluster).
 */
function createMarkerWriter(redis: RedisClient) {
  let queue: MarkerWrite[] = [];
  let scheduled = false;
  let firstError: Error | null = null;
  const describe = (err: unknown) => {
    firstError ??= err instanceof Error ? err : new Error(String(err));
    const code = replyErrorCode(err);
    const message = err instanceof Error ? err.message : String(err);
    return code ? `redis ${code}: ${message.replace(/^[A-Z]+\s*/, '').slice(0, 100)}` : `redis: ${message.slice(0, 100)}`;
  };
  const flush = async () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    const replies = await sendCommands(
      redis,
      batch.map((w) => ['SET', w.key, w.value, 'EX', w.ttl, 'NX']),
    );
    const existing: MarkerWrite[] = [];
    batch.forEach((w, i) => {
      const [err, reply] = replies[i]!;
      if (err) w.resolve({ set: false, error: describe(err), existingTtl: null });
      else if (reply === 'OK') w.resolve({ set: true, error: null, existingTtl: null });
      else existing.push(w);
    });
    if (existing.length === 0) return;
    // Only markers that were already there need their TTL: a second, usually empty, round trip.
    const ttls = await sendCommands(
      redis,
      existing.map((w) => ['TTL', w.key]),
    );
    existing.forEach((w, i) => {
      const [err, ttl] = ttls[i]!;
      w.resolve({ set: false, error: null, existingTtl: !err && typeof ttl === 'number' && ttl >= 0 ? ttl : null });
    });
  };
  // Writes wait up to MARKER_FLUSH_MS for company, or go as soon as a batch is full:
  // at concurrency 64 that turns thousands of tiny round trips into a few dozen.
  let timer: NodeJS.Timeout | undefined;
  const write = (key: string, value: string, ttl: number) =>
    new Promise<MarkerOutcome>((resolve) => {
      queue.push({ key, value, ttl, resolve });
      if (queue.length >= MARKER_BATCH) {
        clearTimeout(timer);
        scheduled = false;
        void flush();
      } else if (!scheduled) {
        scheduled = true;
        timer = setTimeout(() => void flush(), MARKER_FLUSH_MS);
      }
    });
  return Object.assign(write, { firstError: () => firstError });
}

/** One POST of the failed paths to site.revalidate.url with the bearer secret. */
export async function callRevalidation(config: LaunchConfig, env: NodeJS.ProcessEnv, paths: string[], dispatcher?: Dispatcher): Promise<WarmFallback | null> {
  const revalidate = config.site?.revalidate;
  if (!revalidate || paths.length === 0) return null;
  const fallback: WarmFallback = { url: revalidate.url, paths, status: null, ok: false, body: null, error: null };
  const secret = readSecret(env, revalidate.secretEnv);
  if (!secret) {
    fallback.error = `${revalidate.secretEnv} is not set (site.revalidate.secretEnv): revalidation not called`;
    return fallback;
  }
  try {
    const res = await httpRequest(revalidate.url, {
      method: 'POST',
      timeoutMs: config.warm.timeoutMs,
      maxBodyBytes: FALLBACK_MAX_BODY_BYTES,
      dispatcher,
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', 'user-agent': config.site?.userAgent ?? 'launchctl-warmer' },
      body: JSON.stringify({ paths }),
    });
    fallback.status = res.status;
    fallback.ok = res.status >= 200 && res.status < 300;
    const text = res.body.toString('utf8').replace(/\s+/g, ' ').trim();
    fallback.body = maskSecrets(text.slice(0, FALLBACK_BODY_CHARS), [secret]) || null;
    if (!fallback.ok) fallback.error = res.status === 401 || res.status === 403 ? `HTTP ${res.status}: secret rejected (check ${revalidate.secretEnv})` : `HTTP ${res.status}`;
  } catch (err) {
    fallback.error = maskSecrets(describeHttpError(err), [secret]);
  }
  return fallback;
}

export function summarizeWarm(
  paths: WarmPathResult[],
  threshold: number,
): Pick<WarmResult, 'total' | 'warmed' | 'skipped' | 'failed' | 'successRate' | 'passed' | 'latency' | 'cacheStatuses'> {
  const count = (r: WarmOutcome) => paths.filter((p) => p.result === r).length;
  const warmed = count('warmed');
  const skipped = count('skipped');
  const failed = count('failed');
  const total = paths.length;
  const successRate = total === 0 ? 1 : (warmed + skipped) / total;
  const latencies = paths.flatMap((p) => (p.latencyMs === null ? [] : [p.latencyMs]));
  const cacheStatuses: Record<string, number> = {};
  for (const p of paths) if (p.cacheStatus) cacheStatuses[p.cacheStatus] = (cacheStatuses[p.cacheStatus] ?? 0) + 1;
  return {
    cacheStatuses,
    total,
    warmed,
    skipped,
    failed,
    successRate,
    passed: successRate >= threshold,
    latency: { p50: latencies.length ? percentile(latencies, 50) : null, p95: latencies.length ? percentile(latencies, 95) : null },
  };
}

/** Carries out a plan. Never throws for a path; Ctrl-C stops new requests and lets those in flight finish. */
export async function executeWarmPlan(plan: WarmPlan, options: ExecuteWarmOptions): Promise<WarmResult> {
  const started = performance.now();
  const { config } = options;
  const concurrency = Math.max(1, config.warm.concurrency);
  const ownAgent = options.dispatcher ? null : createHttpAgent({ connections: concurrency, connectTimeoutMs: Math.min(5000, config.warm.timeoutMs) });
  const dispatcher = options.dispatcher ?? ownAgent!;
  const writeMarker = createMarkerWriter(options.redis);
  const now = options.now ?? Date.now;
  // Array.from, not new Array(n): holes would be skipped by some() and map().
  const results: (WarmPathResult | undefined)[] = Array.from({ length: plan.entries.length }, () => undefined);
  let next = 0;
  let done = 0;

  // One request options object (headers included) and one parsed origin for the
  // whole run: thousands of requests share them. A plain GET, no cache-busting
  // headers: the point is to fill the very cache such headers would bypass. CDNs
  // keep one cached copy per encoding, so ask like a browser does, or the copy
  // filled is one no visitor gets.
  const request: HttpRequestOptions = {
    timeoutMs: config.warm.timeoutMs,
    maxBodyBytes: config.warm.maxBodyBytes,
    discardBody: true,
    dispatcher,
    headers: WARM_HEADERS(config.site?.userAgent),
  };
  const origin = new URL(plan.origin).origin;

  const total = plan.entries.length;
  /** The marker write and the bookkeeping after a GET; runs without holding up the next GET. */
  const finishOne = async (entry: WarmPlanEntry, fetched: FetchOutcome): Promise<WarmPathResult> => {
    const cache = readCacheStatus(fetched.headers);
    const r: WarmPathResult = {
      path: entry.path,
      result: 'failed',
      httpStatus: fetched.status,
      latencyMs: fetched.latencyMs,
      ttl: null,
      existingTtl: null,
      cacheStatus: cache.status,
      error: fetched.error,
      stage: 'http',
      attempts: fetched.attempts,
      factor: entry.factor,
      reason: entry.reason,
      cacheHeader: cache.header,
      ageS: cache.ageS,
      location: null,
      revalidated: false,
    };
    if (fetched.status === null || fetched.error) return r;
    if (isRedirect(fetched.status)) {
      r.location = fetched.headers.location ?? null;
      r.error = `redirect to ${r.location ?? '(no location)'} (not followed: warm the target path instead)`;
      return r;
    }
    if (fetched.status >= 400) {
      // 429 is the CDN or WAF pushing back on the warmer itself: say what to change.
      r.error = fetched.status === 429 ? 'HTTP 429 (rate limited: lower --concurrency)' : `HTTP ${fetched.status}`;
      return r;
    }
    const marker = JSON.stringify({ status: 'warmed', ts: now(), httpStatus: fetched.status, cacheStatus: cache.status, ttl: entry.ttl, factor: entry.factor });
    const wrote = await writeMarker(entry.key, marker, entry.ttl);
    if (wrote.error) {
      r.stage = 'redis';
      r.error = wrote.error;
      return r;
    }
    r.stage = null;
    r.error = null;
    r.result = wrote.set ? 'warmed' : 'skipped';
    r.ttl = wrote.set ? entry.ttl : null;
    r.existingTtl = wrote.existingTtl;
    return r;
  };

  // Paths whose GET is done but whose marker write is not: the run ends when
  // the workers are out of paths and this is back to zero.
  // A throw from onPath (or from an injected clock) fails the run, as a rejection would.
  let finishing = 0;
  let allFinished: (() => void) | null = null;
  let fault: { err: unknown } | null = null;
  const settle = () => {
    if (--finishing === 0) allFinished?.();
  };
  const record = (i: number, r: WarmPathResult) => {
    try {
      results[i] = r;
      done++;
      options.onPath?.(r, done, total);
    } catch (err) {
      fault ??= { err };
    } finally {
      settle();
    }
  };
  const recordFault = (err: unknown) => {
    fault ??= { err };
    settle();
  };
  const worker = async () => {
    while (next < total && !options.signal?.aborted) {
      const i = next++;
      const entry = plan.entries[i]!;
      // Defence in depth (config validation and the sitemap reader already refuse them): a path that names another host is not requested.
      const host = foreignHostOfFast(entry.path);
      const fetched = host === null ? await fetchWithRetries({ origin, path: entry.path }, request, options) : { status: null, headers: {}, latencyMs: null, attempts: 0, error: `not requested: resolves to another host (${host})` };
      finishing++;
      void finishOne(entry, fetched).then((r) => record(i, r), recordFault);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
    if (finishing > 0) await new Promise<void>((resolve) => (allFinished = resolve));
  } finally {
    await ownAgent?.close();
  }
  // (TypeScript cannot see the callbacks assign it.)
  const failure = fault as { err: unknown } | null;
  if (failure) throw failure.err;

  const interrupted = results.some((r) => r === undefined);
  const paths = results.map(
    (r, i): WarmPathResult =>
      r ?? {
        path: plan.entries[i]!.path,
        result: 'failed',
        httpStatus: null,
        latencyMs: null,
        ttl: null,
        existingTtl: null,
        cacheStatus: null,
        error: 'not attempted (interrupted)',
        stage: null,
        attempts: 0,
        factor: plan.entries[i]!.factor,
        reason: plan.entries[i]!.reason,
        cacheHeader: null,
        ageS: null,
        location: null,
        revalidated: false,
      },
  );

  // Revalidation can rebuild a page whose GET failed; it cannot fix a redirect
  // (not a page) or a marker write (the page is warm, Redis is the problem).
  const toRevalidate = paths.filter((p) => p.result === 'failed' && p.stage === 'http' && !(p.httpStatus !== null && isRedirect(p.httpStatus)));
  const notes = [...plan.notes];
  let fallback: WarmFallback | null = null;
  if (toRevalidate.length > 0 && !interrupted) {
    if (!config.site?.revalidate) {
      notes.push(`site.revalidate is not configured: ${toRevalidate.length} failed path${toRevalidate.length === 1 ? '' : 's'} not revalidated`);
    } else {
      fallback = await callRevalidation(config, options.env ?? process.env, toRevalidate.map((p) => p.path), dispatcher === ownAgent ? undefined : dispatcher);
      if (fallback?.ok) for (const p of toRevalidate) p.revalidated = true;
    }
  }
  return {
    ...summarizeWarm(paths, config.thresholds.warmupSuccessRate),
    threshold: config.thresholds.warmupSuccessRate,
    durationMs: Math.round(performance.now() - started),
    paths,
    fallback,
    predictive: plan.predictive,
    notes,
    interrupted,
    redisError: writeMarker.firstError(),
  };
}

export interface WarmOptions extends PrepareWarmOptions, Omit<ExecuteWarmOptions, 'redis' | 'config'> {
  /** An open client; when absent one is connected from config.redis (fail fast, exit 3) and closed after. */
  redis?: RedisClient;
  /** Plan only: no request, no write (reads the streams under --predictive). */
  dryRun?: boolean;
  /** Told the plan before any request (a progress bar's total). */
  onPlan?: (plan: WarmPlan) => void;
}

export interface WarmRun {
  plan: WarmPlan;
  /** Null for a dry run. */
  result: WarmResult | null;
}

/**
 * The one warm executor: the CLI's `warm` (each round of --repeat-after) and
 * the library's `warm()` (an app's deploy hook) both call it. Plans (sources,
 * --predictive), stops there for a dry run, else GETs every path and writes
 * the markers. Throws UsageError when no path is left to warm.
 */
export async function runWarm(options: WarmOptions): Promise<WarmRun> {
  requireOrigin(options.config);
  const needsRedis = !options.dryRun || options.predictive === true;
  const redis = options.redis ?? (needsRedis ? await connectRedis(options.config.redis) : undefined);
  try {
    const plan = await prepareWarm({ ...options, redis });
    if (options.dryRun) return { plan, result: null };
    options.onPlan?.(plan);
    if (plan.entries.length === 0) {
      throw new UsageError('nothing to warm: no paths after merging warm.paths, the sitemap and --paths-file', {
        details: ['list launch paths in warm.paths, set warm.sitemap or --sitemap, or pass --paths-file FILE'],
      });
    }
    const result = await executeWarmPlan(plan, { ...options, redis: redis! });
    if (!result.interrupted) await recordLastRun(redis!, options.config, result, (options.now ?? Date.now)());
    return { plan, result };
  } finally {
    if (redis && !options.redis) await closeRedis(redis);
  }
}

/**
 * Records the run's totals for `launchctl metrics` (warm_last_run_timestamp_seconds,
 * warm_paths, warm_success_ratio). Best effort: Redis refusing it (the markers
 * were refused too, or an ACL user without HSET) does not change the run's result.
 */
async function recordLastRun(redis: RedisClient, config: LaunchConfig, result: WarmResult, nowMs: number): Promise<void> {
  const key = createKeys(config.redis.keyPrefix).warmLastRun();
  const fields = { finishedAt: nowMs, total: result.total, warmed: result.warmed, skipped: result.skipped, failed: result.failed, successRate: result.successRate };
  await sendCommands(redis, [['HSET', key, ...Object.entries(fields).flat()]]);
}

/** The library's name for runWarm. */
export const warm = runWarm;
