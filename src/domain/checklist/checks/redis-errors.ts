import { formatDuration } from '../../../util/duration.js';
import { formatCount } from '../../../output/format.js';
import { withFact, type CheckDefinition } from '../types.js';

export const redisErrors: CheckDefinition = {
  id: 'redis.errors',
  title: 'No OOM rejections or evictions',
  phases: ['t0', 't+1'],
  guards: 'writes refused with "OOM command not allowed" or keys evicted during the spike, unnoticed',
  needs: ['redis'],
  evaluate({ redis }) {
    const expected = '0 OOM rejections, 0 evicted keys since start';
    return withFact(redis, expected, ({ nodes }) => {
      const known = nodes.filter((n) => n.oomRejections !== null);
      const oom = known.reduce((sum, n) => sum + n.oomRejections!, 0);
      const evicted = nodes.reduce((sum, n) => sum + n.evictedKeys, 0);
      const uptime = Math.min(...nodes.map((n) => n.uptimeS));
      const hit = nodes.filter((n) => (n.oomRejections ?? 0) > 0 || n.evictedKeys > 0);
      const where = nodes.length > 1 && hit.length > 0 ? `; on ${hit.map((n) => `${n.address} (${formatCount(n.oomRejections ?? 0)} OOM, ${formatCount(n.evictedKeys)} evicted)`).join(', ')}` : '';
      const found = `${known.length === 0 ? 'OOM n/a (Redis < 6.2)' : `${formatCount(oom)} OOM rejections`}, ${formatCount(evicted)} evicted keys (uptime ${formatDuration(uptime * 1000)})${where}`;
      if (oom > 0) return { status: 'fail', expected, found, hint: 'writes were refused: raise maxmemory, run `launchctl trim`, check redis.headroom' };
      if (evicted > 0) return { status: 'fail', expected, found, hint: 'keys were evicted: give Redis more memory and keep a volatile-* policy' };
      return { status: 'pass', expected, found };
    });
  },
};
