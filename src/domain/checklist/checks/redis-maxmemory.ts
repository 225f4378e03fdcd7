import { formatBytes } from '../../../output/format.js';
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
          found: `0 (no limit)${nodes.length > 1 ? ` on ${unlimited.map((n) => n.address).join(', ')}` : ''}`,
          hint: 'set maxmemory (e.g. 75% of the instance memory) with a volatile-* policy, so Redis decides what goes instead of the OS killing it',
        };
      }
      const smallest = Math.min(...nodes.map((n) => n.maxmemory));
      return { status: 'pass', expected, found: `${formatBytes(smallest)}${nodes.length > 1 ? ' (smallest master)' : ''} via ${nodes[0]?.memorySource ?? 'INFO'}` };
    });
  },
};
