import { compareVersions } from '../parse.js';
import { withFact, type CheckDefinition } from '../types.js';

export const redisVersion: CheckDefinition = {
  id: 'redis.version',
  title: 'Redis version',
  phases: ['t-7', 't-1', 't0'],
  guards: 'stream commands the pipeline relies on (XAUTOCLAIM, MINID trimming: 6.2; consumer-group lag: 7.0) missing on the server',
  needs: ['redis'],
  evaluate({ redis }) {
    const expected = '≥ 6.2 (7.0+ for consumer-group lag)';
    return withFact(redis, expected, ({ nodes }) => {
      const oldest = [...nodes].sort((a, b) => compareVersions(a.version, b.version))[0];
      if (!oldest) return { status: 'fail', expected, found: 'no node answered INFO' };
      const found = nodes.length > 1 ? `${oldest.version} (oldest of ${nodes.length} masters: ${oldest.address})` : oldest.version;
      if (compareVersions(oldest.version, '6.2') < 0) {
        return { status: 'fail', expected, found, hint: 'upgrade Redis to 6.2 or later: consume needs XAUTOCLAIM and trim needs MINID' };
      }
      if (compareVersions(oldest.version, '7.0') < 0) {
        return { status: 'warn', expected, found, hint: 'Redis 7.0+ reports consumer-group lag; below it streams.group shows lag as n/a' };
      }
      return { status: 'pass', expected, found };
    });
  },
};
