import { onMasters } from '../format.js';
import { withFact, type CheckDefinition } from '../types.js';

export const redisEvictionPolicy: CheckDefinition = {
  id: 'redis.eviction-policy',
  title: 'Eviction spares streams and state',
  phases: ['t-7', 't-1', 't0'],
  guards: 'an allkeys-* policy evicting engagement streams and conversion state under memory pressure',
  needs: ['redis'],
  evaluate({ redis }) {
    const expected = 'volatile-* or noeviction';
    return withFact(redis, expected, ({ nodes }) => {
      const policies = [...new Set(nodes.map((n) => n.policy))];
      const found = policies.join(', ');
      const allkeys = nodes.filter((n) => n.policy.startsWith('allkeys-'));
      if (allkeys.length > 0) {
        return {
          status: 'fail',
          expected,
          found: `${[...new Set(allkeys.map((n) => n.policy))].join(', ')}${onMasters(allkeys, nodes)}`,
          hint: 'set maxmemory-policy volatile-lru (or volatile-ttl): allkeys-* may evict the day streams, which carry no TTL',
        };
      }
      if (policies.every((p) => p.startsWith('volatile-') || p === 'noeviction')) {
        const note = policies.includes('noeviction') ? ' (writes fail with OOM when full: watch redis.headroom)' : '';
        return { status: 'pass', expected, found: `${found}${note}` };
      }
      const unknown = nodes.filter((n) => !(n.policy.startsWith('volatile-') || n.policy === 'noeviction'));
      return { status: 'warn', expected, found: `${[...new Set(unknown.map((n) => n.policy))].join(', ')}${onMasters(unknown, nodes)}`, hint: 'unknown maxmemory-policy: use volatile-lru, volatile-ttl or noeviction' };
    });
  },
};
