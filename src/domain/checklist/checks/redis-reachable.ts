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
    const { url, nodes, unanswered } = redis.value;
    if (unanswered.length > 0) {
      return {
        status: 'fail',
        expected,
        found: `${url}: ${nodes.length} of ${plural(nodes.length + unanswered.length, 'master')} answered; no answer from ${unanswered.map((u) => `${u.address} (${u.cause})`).join(', ')}`,
        hint: 'a cluster master is down or cut off: the keys of its slots cannot be read or written (see redis.cluster)',
      };
    }
    return { status: 'pass', expected, found: `${url} (${plural(nodes.length, 'master')})` };
  },
};
