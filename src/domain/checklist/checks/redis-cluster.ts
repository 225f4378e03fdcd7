import { formatCount } from '../../../output/format.js';
import { CLUSTER_SLOTS, isFlaggedFailing, slotCount, type ClusterNode } from '../cluster.js';
import { plural } from '../format.js';
import { withFact, type CheckDefinition } from '../types.js';

function describeNode(n: ClusterNode): string {
  const flag = n.flags.includes('fail') ? 'fail' : 'pfail';
  return `${n.address} (${n.role}, ${flag})`;
}

export const redisCluster: CheckDefinition = {
  id: 'redis.cluster',
  title: 'Redis Cluster healthy',
  phases: ['t-7', 't-1', 't0'],
  guards: 'a cluster serving only part of its slots, or one master failure away from it (a master without a replica), during the spike',
  needs: ['cluster'],
  evaluate({ cluster }) {
    const expected = `cluster_state:ok, ${formatCount(CLUSTER_SLOTS)} slots ok, no node failing, a replica per master`;
    return withFact(cluster, expected, (c) => {
      if (!c.enabled) return { status: 'skip', expected, found: 'standalone Redis (cluster_enabled:0)' };
      const masters = c.nodes.filter((n) => n.role === 'master' && slotCount(n) > 0);
      const failing = c.nodes.filter(isFlaggedFailing);
      const problems: string[] = [];
      if (c.state !== 'ok') problems.push(`cluster_state:${c.state}`);
      if (c.slotsAssigned < CLUSTER_SLOTS) problems.push(`${formatCount(CLUSTER_SLOTS - c.slotsAssigned)} slots not assigned`);
      else if (c.slotsOk < CLUSTER_SLOTS) problems.push(`${formatCount(CLUSTER_SLOTS - c.slotsOk)} slots not ok (${formatCount(c.slotsPfail)} pfail, ${formatCount(c.slotsFail)} fail)`);
      if (failing.length > 0) problems.push(`failing: ${failing.map(describeNode).join(', ')}`);
      const seen = ` (seen from ${c.seenFrom})`;
      if (problems.length > 0) {
        return {
          status: 'fail',
          expected,
          found: `${problems.join('; ')}${seen}`,
          hint:
            'bring the failing node back or replace it (`redis-cli --cluster check HOST:PORT` shows the state; `--cluster fix` reassigns uncovered slots); ' +
            'until then the keys of its slots cannot be read or written',
        };
      }
      if (!c.configured) {
        return {
          status: 'fail',
          expected,
          found: `this is a Redis Cluster node, but redis.cluster is false${seen}`,
          hint: 'set redis.cluster to true in the config: a plain connection gets MOVED for every key of the other masters',
        };
      }
      const healthyReplicas = (m: ClusterNode) => c.nodes.filter((n) => n.role === 'replica' && n.masterId === m.id && !isFlaggedFailing(n)).length;
      const alone = masters.filter((m) => healthyReplicas(m) === 0);
      const summary = `cluster_state:ok, ${formatCount(c.slotsOk)}/${formatCount(CLUSTER_SLOTS)} slots ok, ${plural(masters.length, 'master')}`;
      if (alone.length > 0) {
        return {
          status: 'warn',
          expected,
          found: `${summary}; without a replica: ${alone.map((m) => m.address).join(', ')}`,
          hint:
            'add a replica to each of these masters (`redis-cli --cluster add-node NEW_HOST:PORT HOST:PORT --cluster-slave --cluster-master-id <id>`): ' +
            'if one fails during the launch, its slots stop answering (the whole cluster does with cluster-require-full-coverage yes, the default)',
        };
      }
      const fewest = Math.min(...masters.map(healthyReplicas));
      return { status: 'pass', expected, found: `${summary}, each with ≥ ${plural(fewest, 'replica')}` };
    });
  },
};
