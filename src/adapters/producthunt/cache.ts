// The shared answer cache. One key per query; a short lock makes sure that when
// ten processes ask at once, one of them calls the API and the others wait for
// and read its answer. Entries outlive productHunt.cacheTtl (freshness is judged
// by fetchedAt) so a spent budget or `watch` reading cache-only still has the
// last answer to show, labelled with its age.
import { randomUUID } from 'node:crypto';
import { ConfigError, UnreachableError } from '../../errors.js';
import type { RedisClient } from '../redis.js';
import { releasePhLock, waitOrInterrupt } from './client.js';

export interface CachedEntry<T> {
  fetchedAt: number;
  value: T;
}

/** How long an answer stays in Redis at all (stale answers are still shown, with their age). */
export const CACHE_KEEP_S = 86_400;
/** Covers one fetch with its retries and a short wait for the budget; a crashed holder frees it by expiry. */
export const LOCK_TTL_MS = 60_000;
const POLL_EVERY_MS = 100;
const WAIT_NOTICE_AFTER_MS = 1000;
/**
 * A holder's failure (401, Cloudflare, spent budget...) is shared this long
 * through the lock key, so the processes waiting for its answer fail the same
 * way instead of each repeating the refused request.
 */
export const FAILURE_SHARE_MS = 5000;
const FAILURE_PREFIX = 'error:';

interface SharedFailure {
  type: 'UnreachableError' | 'ConfigError';
  message: string;
  code?: string;
  details: string[];
}

function encodeFailure(err: unknown): string {
  if (err instanceof UnreachableError) return FAILURE_PREFIX + JSON.stringify({ type: 'UnreachableError', message: err.message, code: err.code, details: err.details } satisfies SharedFailure);
  if (err instanceof ConfigError) return FAILURE_PREFIX + JSON.stringify({ type: 'ConfigError', message: err.message, code: err.code, details: err.issues } satisfies SharedFailure);
  return '';
}

function decodeFailure(value: string | null): Error | null {
  if (!value?.startsWith(FAILURE_PREFIX)) return null;
  try {
    const f = JSON.parse(value.slice(FAILURE_PREFIX.length)) as SharedFailure;
    return f.type === 'ConfigError' ? new ConfigError(f.message, f.details, { code: f.code }) : new UnreachableError(f.message, f.code, { details: f.details });
  } catch {
    return null;
  }
}

export async function readCacheEntry<T>(redis: RedisClient, key: string): Promise<CachedEntry<T> | null> {
  const text = await redis.get(key);
  if (!text) return null;
  try {
    const entry = JSON.parse(text) as CachedEntry<T>;
    return typeof entry.fetchedAt === 'number' && entry.value !== undefined ? entry : null;
  } catch {
    // A damaged entry is treated as absent: the next fetch overwrites it.
    return null;
  }
}

export interface FetchThroughCacheOptions<T> {
  redis: RedisClient;
  cacheKey: string;
  lockKey: string;
  /** Whether an entry may be served without a fetch (fresh enough, right day...). */
  isUsable: (entry: CachedEntry<T>) => boolean;
  /** Skip a usable entry; still share the answer of a fetch that started after this call. */
  fresh: boolean;
  fetch: () => Promise<T>;
  now: () => number;
  signal?: AbortSignal;
  onWait?: (reason: string, ms: number) => void;
}

export interface CacheAnswer<T> {
  entry: CachedEntry<T>;
  /** False only in the process that made the upstream call. */
  cached: boolean;
}

export async function fetchThroughCache<T>(o: FetchThroughCacheOptions<T>): Promise<CacheAnswer<T>> {
  const startedAt = o.now();
  const before = await readCacheEntry<T>(o.redis, o.cacheKey);
  if (before && !o.fresh && o.isUsable(before)) return { entry: before, cached: true };
  const seenFetchedAt = before?.fetchedAt ?? 0;
  // An answer fetched after we started (by whoever held the lock) is as good as our own.
  const isNewAnswer = (e: CachedEntry<T> | null): e is CachedEntry<T> => e !== null && e.fetchedAt > seenFetchedAt && (o.fresh ? e.fetchedAt >= startedAt - 1000 : o.isUsable(e));

  const deadline = startedAt + LOCK_TTL_MS + 5000;
  let told = false;
  for (;;) {
    const token = randomUUID();
    const locked = await o.redis.set(o.lockKey, token, 'PX', LOCK_TTL_MS, 'NX');
    let failure = '';
    if (locked === 'OK') {
      try {
        // The previous holder may have finished between our read and our lock.
        const latest = await readCacheEntry<T>(o.redis, o.cacheKey);
        if (isNewAnswer(latest)) return { entry: latest, cached: true };
        let value: T;
        try {
          value = await o.fetch();
        } catch (err) {
          failure = encodeFailure(err);
          throw err;
        }
        const entry: CachedEntry<T> = { fetchedAt: o.now(), value };
        await o.redis.set(o.cacheKey, JSON.stringify(entry), 'EX', CACHE_KEEP_S);
        return { entry, cached: false };
      } finally {
        await releasePhLock(o.redis, o.lockKey, token, failure, FAILURE_SHARE_MS).catch(() => undefined);
      }
    }
    const shared = decodeFailure(await o.redis.get(o.lockKey));
    if (shared) throw shared;
    // Wait for the holder's answer; if the lock goes away without one (the holder failed), try to take it.
    while (o.now() < deadline) {
      await waitOrInterrupt(POLL_EVERY_MS + Math.floor(Math.random() * 20), o.signal);
      // Most waits are a few hundred ms: say something only when one is noticeable.
      if (!told && o.now() - startedAt >= WAIT_NOTICE_AFTER_MS) {
        o.onWait?.('another process is fetching from Product Hunt, waiting for its answer', LOCK_TTL_MS);
        told = true;
      }
      const latest = await readCacheEntry<T>(o.redis, o.cacheKey);
      if (isNewAnswer(latest)) return { entry: latest, cached: true };
      const lock = await o.redis.get(o.lockKey);
      const failed = decodeFailure(lock);
      if (failed) throw failed;
      if (lock === null) break;
    }
    if (o.now() >= deadline) {
      throw new UnreachableError('timed out waiting for another process to fetch from Product Hunt', 'PH_LOCK_TIMEOUT');
    }
  }
}
