import { plural } from '../format.js';
import type { CheckDefinition } from '../types.js';

export const redisReachable: CheckDefinition = {
  id: 'redis.reachable',
  title: 'Redis answers',
  phases: ['t-7', 't-1', 't0', 't+1'],
  guards: 'launching against a Redis the app (or this machine) cannot reach',
  needs: ['redis'],
  evaluate({ redis }) {
    const expected = 'PING answered';
    if (!redis) return { status: 'skip', expected, found: 'not gathered' };
    if (!redis.ok) {
      return { status: 'fail', expected, found: redis.cause, hint: 'check redis.url, REDIS_URL or --redis, the password, TLS (rediss://) and that this machine may connect' };
    }
    return { status: 'pass', expected, found: `${redis.value.url} (${plural(redis.value.nodes.length, 'master')})` };
  },
};
