// Product Hunt facts through the shared service: one getPhStatus (served from
// the shared Redis cache when fresh, so a checklist run never spends the
// budget twice), and the recorded rate-limit budget.
import type { RedisClient } from '../../../adapters/redis.js';
import type { LaunchConfig } from '../../../config/schema.js';
import { ConfigError, UnreachableError } from '../../../errors.js';
import { getPhStatus, readPhRateLimit } from '../../ph/service.js';
import type { PhErrorKind, PhFacts } from '../types.js';

/** Sorts a service error by type and code (never by message text alone). */
export function classifyPhError(err: unknown): PhErrorKind {
  if (err instanceof ConfigError) return 'config';
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'PH_POST_NOT_FOUND' || code === 'NOT_FOUND') return 'not-found';
  if (code === 'PH_TOKEN_REJECTED' || code === '401' || code === 'TOKEN_REJECTED') return 'token';
  if (err instanceof UnreachableError) return /token/i.test(err.message) ? 'token' : 'unreachable';
  return 'other';
}

export async function readPhFacts(options: { config: LaunchConfig; redis: RedisClient; env: NodeJS.ProcessEnv; cacheOnly: boolean; signal: AbortSignal }): Promise<PhFacts> {
  const { config, redis, env, cacheOnly, signal } = options;
  let status: PhFacts['status'] = null;
  let error: PhFacts['error'] = null;
  try {
    // maxWaitMs 0: a checklist never sits out a spent budget; ph.budget reports it instead.
    status = await getPhStatus({ config, redis, env, cacheOnly, signal, maxWaitMs: 0 });
    if (status === null) error = { kind: 'other', message: 'nothing in the shared cache' };
  } catch (err) {
    error = { kind: classifyPhError(err), message: err instanceof Error ? err.message : String(err) };
  }
  const rateLimit = status?.rateLimit ?? (await readPhRateLimit(redis, config).catch(() => null));
  return { status, error, rateLimit, cacheOnly };
}
