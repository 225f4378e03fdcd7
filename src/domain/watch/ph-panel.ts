// The Product Hunt panel of `watch`. Most refreshes read the shared Redis cache
// only (getPhStatus cacheOnly: no API call); when the cached answer is older
// than productHunt.cacheTtl a refresh goes through the PH service's shared
// queue and lock, in the background, so ten people watching cost one API call
// per cache window and a slow or failing API never delays the dashboard. An
// outage or a spent budget shows in this panel only.
import type { LaunchConfig } from '../../config/schema.js';
import type { RedisClient } from '../../adapters/redis.js';
import { isConnectionError } from '../../adapters/redis-errors.js';
import { getPhStatus, readPhHistory } from '../ph/service.js';
import type { PhStatus } from '../ph/types.js';
import type { PhPanel } from './snapshot.js';

export interface PhPanelSource {
  read(nowMs: number): Promise<PhPanel>;
}

export interface PhPanelOptions {
  config: LaunchConfig;
  redis: RedisClient;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Wait for a refresh the read starts (watch --once); the live view never waits. */
  awaitRefresh?: boolean;
}

/** After a failed refresh, wait this long before asking the API again (the service's queue backs off too). */
const RETRY_AFTER_ERROR_MS = 30_000;
const HISTORY_WINDOW_MS = 3_600_000;

export function createPhPanelSource(options: PhPanelOptions): PhPanelSource | null {
  const ph = options.config.productHunt;
  if (!ph) return null;
  const cacheTtlMs = ph.cacheTtl * 1000;
  let refreshing: Promise<void> | null = null;
  let nextAttemptAt = 0;
  let lastError: string | null = null;
  let last: PhPanel | null = null;
  let history: { fetchedAt: number; votes: number[] } | null = null;

  const refresh = (now: number): Promise<void> | null => {
    if (refreshing || now < nextAttemptAt || options.signal?.aborted) return refreshing;
    refreshing = getPhStatus({ config: options.config, redis: options.redis, env: options.env, signal: options.signal, maxWaitMs: 0 })
      .then(() => {
        lastError = null;
      })
      .catch((err: unknown) => {
        lastError = describePhError(err);
        nextAttemptAt = Date.now() + RETRY_AFTER_ERROR_MS;
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };

  const readHistory = async (status: PhStatus, now: number): Promise<number[]> => {
    if (history?.fetchedAt === status.fetchedAt) return history.votes;
    try {
      const points = await readPhHistory(options.redis, options.config, now - HISTORY_WINDOW_MS);
      history = { fetchedAt: status.fetchedAt, votes: points.map((p) => p.votes) };
      return history.votes;
    } catch {
      return history?.votes ?? [];
    }
  };

  const readCache = () => getPhStatus({ config: options.config, redis: options.redis, env: options.env, cacheOnly: true, signal: options.signal });

  return {
    async read(now) {
      let status: PhStatus | null;
      try {
        status = await readCache();
        if (!status || status.stale || now - status.fetchedAt > cacheTtlMs) {
          const started = refresh(now);
          if (started && options.awaitRefresh) {
            await started;
            status = await readCache();
          }
        }
      } catch (err) {
        // Redis itself is down: the Redis panel says so; keep the last numbers here.
        if (isConnectionError(err) && last) return last;
        return (last = { ...emptyPanel(ph.post), state: 'error', message: describePhError(err) });
      }
      if (!status) {
        return (last = { ...emptyPanel(ph.post), state: lastError ? 'error' : 'unavailable', message: lastError ?? (refreshing ? 'fetching…' : 'nothing cached yet') });
      }
      return (last = {
        state: lastError ? 'error' : 'ok',
        post: status.post,
        message: lastError ?? (status.stale ? 'stale: rate-limit budget spent' : null),
        name: status.name,
        votesCount: status.votesCount,
        commentsCount: status.commentsCount,
        rank: status.rank,
        votesLastHour: status.votesLastHour,
        fetchedAt: status.fetchedAt,
        stale: status.stale === true || now - status.fetchedAt > cacheTtlMs,
        rateLimit: status.rateLimit,
        votesHistory: await readHistory(status, now),
      });
    },
  };
}

function emptyPanel(post: string): PhPanel {
  return {
    state: 'unavailable',
    post,
    message: null,
    name: null,
    votesCount: null,
    commentsCount: null,
    rank: null,
    votesLastHour: null,
    fetchedAt: null,
    stale: false,
    rateLimit: null,
    votesHistory: [],
  };
}

/** The service's errors are written for people and never hold the token. */
function describePhError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0]!.slice(0, 120);
}
