// The Product Hunt service used by `ph`, `watch`, `checklist` and `rehearse`.
// Every call goes through the shared Redis cache and the rate-limit-aware queue.
import type { LaunchConfig } from '../../config/schema.js';
import type { RedisClient } from '../../adapters/redis.js';
import type { PhHistoryPoint, PhLeaderboard, PhRateLimit, PhStatus } from './types.js';

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
  now?: () => number;
}

export function getPhStatus(options: PhServiceOptions & { cacheOnly: true }): Promise<PhStatus | null>;
export function getPhStatus(options: PhServiceOptions & { cacheOnly?: false }): Promise<PhStatus>;
export function getPhStatus(options: PhServiceOptions): Promise<PhStatus | null>;
export function getPhStatus(_options: PhServiceOptions): Promise<PhStatus | null> {
  return Promise.reject(new Error('not implemented yet'));
}

export function getPhLeaderboard(_options: PhServiceOptions): Promise<PhLeaderboard | null> {
  return Promise.reject(new Error('not implemented yet'));
}

export function readPhRateLimit(_redis: RedisClient, _config: LaunchConfig): Promise<PhRateLimit | null> {
  return Promise.reject(new Error('not implemented yet'));
}

export function readPhHistory(_redis: RedisClient, _config: LaunchConfig, _sinceMs: number): Promise<PhHistoryPoint[]> {
  return Promise.reject(new Error('not implemented yet'));
}
