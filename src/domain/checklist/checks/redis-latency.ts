import { percentile } from '../../../util/stats.js';
import { formatLatency } from '../../../output/format.js';
import { withFact, type CheckDefinition } from '../types.js';

export const redisLatency: CheckDefinition = {
  id: 'redis.latency',
  title: 'Redis round trip',
  phases: ['t-7', 't-1', 't0'],
  guards: 'a slow or distant Redis turning every request into a wait during the spike',
  needs: ['redis'],
  evaluate({ redis }, t) {
    const expected = `PING p99 ≤ ${t.redisLatencyMs}ms`;
    return withFact(redis, expected, ({ pingMs }) => {
      if (pingMs.length === 0) return { status: 'fail', expected, found: 'no PING answered' };
      const p50 = percentile(pingMs, 50);
      const p99 = percentile(pingMs, 99);
      const found = `p50 ${formatLatency(p50)}, p99 ${formatLatency(p99)} (${pingMs.length} PINGs)`;
      const hint = 'run the check from where the app runs (same region); look for slow commands (SLOWLOG GET) and a saturated CPU or network';
      if (p50 > t.redisLatencyMs) return { status: 'fail', expected, found, hint };
      if (p99 > t.redisLatencyMs) return { status: 'warn', expected, found, hint };
      return { status: 'pass', expected, found };
    });
  },
};
