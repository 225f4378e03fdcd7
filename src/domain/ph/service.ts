// The Product Hunt service used by `ph`, `watch`, `checklist` and `rehearse`.
// Every call goes through the shared Redis cache and the rate-limit-aware queue
// (src/adapters/producthunt). The pure parts live beside it in src/domain/ph.
import type { LaunchConfig } from '../../config/schema.js';
import type { RedisClient } from '../../adapters/redis.js';
import { flatToRecord } from '../../adapters/redis-replies.js';
import { PhClient, ensurePhSettings, readSharedRateLimit, type PhSettings } from '../../adapters/producthunt/client.js';
import { fetchThroughCache, readCacheEntry, type CacheAnswer, type CachedEntry } from '../../adapters/producthunt/cache.js';
import { fetchPhSnapshot } from '../../adapters/producthunt/queries.js';
import { ConfigError, UnreachableError } from '../../errors.js';
import { createKeys, type Keys } from '../../keys.js';
import { pacificDay } from './day.js';
import { looksLikeHiddenVotes, rankByVotes, votesLastHour } from './rank.js';
import type { PhSnapshot } from '../../adapters/producthunt/snapshot.js';
import type { PhHistoryPoint, PhLeaderboard, PhLeaderboardEntry, PhRateLimit, PhStatus } from './types.js';

export type { PhHistoryPoint, PhLeaderboard, PhLeaderboardEntry, PhRateLimit, PhStatus } from './types.js';

export interface PhServiceOptions {
  config: LaunchConfig;
  redis: RedisClient;
  env: NodeJS.ProcessEnv;
  /** Skip the cache (the rate-limit budget is still respected). */
  fresh?: boolean;
  /** Never call the API: the latest cached answer (even stale), or null when there is none. */
  cacheOnly?: boolean;
  signal?: AbortSignal;
  /** Longest wait for a spent budget to reset before failing (default 15 s). 0 = never wait. */
  maxWaitMs?: number;
  /** Told about waits (rate limit, backoff, another process fetching), for a spinner. */
  onWait?: (reason: string, ms: number) => void;
  /** Told about odd answers that are not failures (e.g. a rate-limit reset too far away to believe). */
  onWarning?: (text: string) => void;
  now?: () => number;
}

/** An interactive command waits this long for a spent budget to reset, then fails saying when it resets. */
export const DEFAULT_MAX_WAIT_MS = 15_000;
/** History kept per post: a week of one-minute polls. */
const HISTORY_MAX_POINTS = 10_000;
const HOUR_MS = 3_600_000;
/** Stream IDs come from the Redis clock, `ts` from ours: read a little before `since` and filter. */
const CLOCK_SKEW_MARGIN_MS = 300_000;

const statusQueryId = (post: string) => `status:${post}`;

interface Resolved {
  snapshot: PhSnapshot;
  answer: CacheAnswer<PhSnapshot>;
  stale: boolean;
}

/**
 * The snapshot for the post: from the cache when fresh, else one upstream fetch
 * shared by every process asking at the same time. With a spent budget and no
 * --fresh, a stale answer is served (stale: true) rather than failing.
 */
async function resolveSnapshot(o: PhServiceOptions, settings: PhSettings, keys: Keys): Promise<Resolved | null> {
  const now = o.now ?? Date.now;
  const cacheKey = keys.phCache(statusQueryId(settings.post));
  if (o.cacheOnly) {
    const entry = await readCacheEntry<PhSnapshot>(o.redis, cacheKey);
    if (!entry) return null;
    return { snapshot: entry.value, answer: { entry, cached: true }, stale: !isFresh(entry, settings, now()) };
  }
  const client = new PhClient({ config: o.config, redis: o.redis, env: o.env, signal: o.signal, maxWaitMs: o.maxWaitMs ?? DEFAULT_MAX_WAIT_MS, onWait: o.onWait, onWarning: o.onWarning, now });
  try {
    const answer = await fetchThroughCache<PhSnapshot>({
      redis: o.redis,
      cacheKey,
      lockKey: keys.phLock(statusQueryId(settings.post)),
      isUsable: (e) => isFresh(e, settings, now()),
      fresh: o.fresh ?? false,
      now,
      signal: o.signal,
      onWait: o.onWait,
      fetch: async () => {
        const snapshot = await fetchPhSnapshot(client, settings.post, pacificDay(now()));
        if (!snapshot.post) throw postNotFound(settings.post);
        await appendHistory(o.redis, keys, settings.post, snapshot, now());
        return snapshot;
      },
    });
    return { snapshot: answer.entry.value, answer, stale: false };
  } catch (err) {
    if (!o.fresh && err instanceof UnreachableError && err.code === 'PH_RATE_LIMITED') {
      const entry = await readCacheEntry<PhSnapshot>(o.redis, cacheKey);
      if (entry) return { snapshot: entry.value, answer: { entry, cached: true }, stale: true };
    }
    throw err;
  } finally {
    await client.close();
  }
}

function isFresh(entry: CachedEntry<PhSnapshot>, settings: PhSettings, nowMs: number): boolean {
  return entry.fetchedAt + settings.cacheTtl * 1000 > nowMs && entry.value.day === pacificDay(nowMs).day;
}

/** ConfigError code of "no such post" (the checklist warns on it before launch). */
export const PH_POST_NOT_FOUND = 'PH_POST_NOT_FOUND';

function postNotFound(post: string): ConfigError {
  return new ConfigError(`productHunt.post: Product Hunt has no post with the slug "${post}"`, ['use the slug of producthunt.com/posts/<slug>'], { code: PH_POST_NOT_FOUND });
}

interface RankInfo {
  entries: PhLeaderboardEntry[];
  rank: number | null;
  rankNote?: string;
}

function rankSnapshot(snapshot: PhSnapshot, slug: string, nowMs: number): RankInfo {
  // Our own count comes from the post query; the list can be a moment older on a later page.
  const posts = snapshot.posts.map((p) => (p.slug === slug && snapshot.post ? { ...p, votesCount: snapshot.post.votesCount } : p));
  const entries = rankByVotes(posts, slug);
  if (looksLikeHiddenVotes(posts, Math.max(0, nowMs - snapshot.dayStartMs))) {
    return { entries, rank: null, rankNote: 'votes look hidden (every post has the same count in the first 4 hours of the day)' };
  }
  const ours = entries.find((e) => e.ours);
  if (!ours) return { entries, rank: null, rankNote: `not among today's ${entries.length} featured posts (${snapshot.day}, Pacific time)` };
  const rankNote = snapshot.complete ? undefined : `approximate among the first ${entries.length} posts only`;
  return { entries, rank: ours.rank, ...(rankNote ? { rankNote } : {}) };
}

async function appendHistory(redis: RedisClient, keys: Keys, post: string, snapshot: PhSnapshot, nowMs: number): Promise<void> {
  if (!snapshot.post) return;
  const { rank } = rankSnapshot(snapshot, post, nowMs);
  await redis.xadd(
    keys.phHistory(post),
    'MAXLEN',
    '~',
    String(HISTORY_MAX_POINTS),
    '*',
    'votes',
    String(snapshot.post.votesCount),
    'comments',
    String(snapshot.post.commentsCount),
    'rank',
    rank === null ? '' : String(rank),
    'ts',
    String(nowMs),
  );
}

export function getPhStatus(options: PhServiceOptions & { cacheOnly: true }): Promise<PhStatus | null>;
export function getPhStatus(options: PhServiceOptions & { cacheOnly?: false }): Promise<PhStatus>;
export function getPhStatus(options: PhServiceOptions): Promise<PhStatus | null>;
/**
 * Votes, comments, approximate rank and velocity of productHunt.post.
 * - Throws ConfigError (exit 2) when productHunt is not configured or has no credentials.
 * - Throws UnreachableError (exit 3) on 401 "token rejected", a Cloudflare 403,
 *   GraphQL errors, malformed answers, timeouts, and a spent budget that resets
 *   later than maxWaitMs when no cached answer exists (or with `fresh`).
 * - `cacheOnly: true` never calls the API and never throws for a missing
 *   answer: it returns the latest cached answer (stale: true when older than
 *   cacheTtl) or null.
 */
export async function getPhStatus(options: PhServiceOptions): Promise<PhStatus | null> {
  const settings = ensurePhSettings(options.config);
  const keys = createKeys(options.config.redis.keyPrefix);
  const now = options.now ?? Date.now;
  const resolved = await resolveSnapshot(options, settings, keys);
  if (!resolved) return null;
  const { snapshot, answer, stale } = resolved;
  if (!snapshot.post) throw postNotFound(settings.post);
  const nowMs = now();
  const { rank, rankNote } = rankSnapshot(snapshot, settings.post, nowMs);
  const [history, rateLimit] = await Promise.all([readPhHistory(options.redis, options.config, nowMs - 2 * HOUR_MS), readSharedRateLimit(options.redis, keys, nowMs)]);
  return {
    post: settings.post,
    name: snapshot.post.name,
    votesCount: snapshot.post.votesCount,
    commentsCount: snapshot.post.commentsCount,
    rank,
    votesLastHour: votesLastHour(history, nowMs),
    cached: answer.cached,
    fetchedAt: answer.entry.fetchedAt,
    rateLimit,
    ...(stale ? { stale } : {}),
    ...(rankNote ? { rankNote } : {}),
  };
}

/** Today's featured posts by votes, ours marked. Same cache, errors and cacheOnly rules as getPhStatus. */
export async function getPhLeaderboard(options: PhServiceOptions): Promise<PhLeaderboard | null> {
  const settings = ensurePhSettings(options.config);
  const keys = createKeys(options.config.redis.keyPrefix);
  const resolved = await resolveSnapshot(options, settings, keys);
  if (!resolved) return null;
  const { snapshot, answer, stale } = resolved;
  const { entries, rankNote } = rankSnapshot(snapshot, settings.post, (options.now ?? Date.now)());
  return {
    day: snapshot.day,
    entries,
    complete: snapshot.complete,
    cached: answer.cached,
    fetchedAt: answer.entry.fetchedAt,
    rateLimit: await readSharedRateLimit(options.redis, keys, (options.now ?? Date.now)()),
    ...(stale ? { stale } : {}),
    ...(rankNote ? { rankNote } : {}),
  };
}

/** The shared rate-limit budget as last seen by any process (null before the first request). */
export function readPhRateLimit(redis: RedisClient, config: LaunchConfig): Promise<PhRateLimit | null> {
  return readSharedRateLimit(redis, createKeys(config.redis.keyPrefix));
}

/** The recorded points of productHunt.post since `sinceMs`, oldest first ([] when not configured). */
export async function readPhHistory(redis: RedisClient, config: LaunchConfig, sinceMs: number): Promise<PhHistoryPoint[]> {
  if (!config.productHunt) return [];
  const keys = createKeys(config.redis.keyPrefix);
  const start = Math.max(0, Math.floor(sinceMs - CLOCK_SKEW_MARGIN_MS));
  const entries = await redis.xrange(keys.phHistory(config.productHunt.post), String(start), '+');
  const points: PhHistoryPoint[] = [];
  for (const [, fields] of entries) {
    const f = flatToRecord(fields);
    const ts = Number(f.ts);
    const votes = Number(f.votes);
    if (!Number.isFinite(ts) || !Number.isFinite(votes) || ts < sinceMs) continue;
    points.push({ votes, comments: Number(f.comments) || 0, rank: f.rank ? Number(f.rank) : null, ts });
  }
  return points.sort((a, b) => a.ts - b.ts);
}
