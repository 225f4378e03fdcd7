// Product Hunt facts through the shared service: one getPhStatus (served from
// the shared Redis cache when fresh, so a checklist run never spends the
// budget twice), and the recorded rate-limit budget.
import type { RedisClient } from '../../../adapters/redis.js';
import type { LaunchConfig } from '../../../config/schema.js';
import { ConfigError, UnreachableError } from '../../../errors.js';
import { getPhStatus, PH_POST_NOT_FOUND, readPhRateLimit } from '../../ph/service.js';
import type { PhErrorKind, PhFacts } from '../types.js';

/** Sorts a service error by type and code. */
export function classifyPhError(err: unknown): PhErrorKind {
  if (err instanceof ConfigError) return err.code === PH_POST_NOT_FOUND ? 'not-found' : 'config';
  if (err instanceof UnreachableError) return err.code === 'PH_TOKEN_REJECTED' ? 'token' : 'unreachable';
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
