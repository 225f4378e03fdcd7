import { formatBytes } from '../../../output/format.js';
import { onMasters } from '../format.js';
import { withFact, type CheckDefinition } from '../types.js';

export const redisMaxmemory: CheckDefinition = {
  id: 'redis.maxmemory',
  title: 'Redis memory limit set',
  phases: ['t-7', 't-1', 't0'],
  guards: 'Redis growing until the machine runs out of memory (the seed article’s "OOM command not allowed" crash came from sizing it blind)',
  needs: ['redis'],
  evaluate({ redis }) {
    const expected = 'maxmemory > 0';
    return withFact(redis, expected, ({ nodes }) => {
      const unlimited = nodes.filter((n) => n.maxmemory === 0);
      if (unlimited.length > 0) {
        return {
          status: 'fail',
          expected,
          found: `0 (no limit)${onMasters(unlimited, nodes)}`,
          hint: 'set maxmemory (e.g. 75% of the instance memory) with a volatile-* policy, so Redis decides what goes instead of the OS killing it',
        };
      }
      const smallest = [...nodes].sort((a, b) => a.maxmemory - b.maxmemory)[0];
      if (!smallest) return { status: 'fail', expected, found: 'no master answered INFO', hint: 'see redis.reachable' };
      const which = nodes.length > 1 ? ` (smallest of ${nodes.length} masters: ${smallest.address})` : '';
      return { status: 'pass', expected, found: `${formatBytes(smallest.maxmemory)}${which} via ${smallest.memorySource}` };
    });
  },
};
