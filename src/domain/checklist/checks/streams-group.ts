import { createKeys, utcDay } from '../../../keys.js';
import { formatDuration } from '../../../util/duration.js';
import { formatCount } from '../../../output/format.js';
import { streamIdMs } from '../parse.js';
import { withFact, type CheckDefinition, type Outcome } from '../types.js';

export const streamsGroup: CheckDefinition = {
  id: 'streams.group',
  title: 'Consumer group keeping up',
  phases: ['t-1', 't0'],
  guards: 'events piling up unprocessed (no consumer, a stuck consumer, entries failing over and over)',
  needs: ['streams'],
  evaluate({ streams, config, phase, nowMs }, t) {
    const group = config.streams.group;
    const atLaunch = phase === 't0';
    const expected = atLaunch
      ? `group "${group}" on today's stream, lag ≤ ${formatCount(t.groupLagMax)}, oldest pending ≤ ${formatDuration(t.pendingMaxAgeMs)}`
      : `group "${group}" exists`;
    return withFact(streams, expected, ({ streams: list, deadLetters }): Outcome => {
      const today = utcDay(nowMs);
      const current = list.find((s) => s.day === today) ?? (atLaunch ? undefined : list.at(-1));
      const dead = deadLetters > 0 ? `; ${formatCount(deadLetters)} dead letters` : '';
      const startConsumer = 'start `launchctl consume` (it creates the group) and keep it running through the launch';
      if (!current) {
        return { status: 'warn', expected, found: `no day stream ${atLaunch ? 'for today ' : ''}yet${dead}`, hint: atLaunch ? 'no events ingested today: check the app sends events' : startConsumer };
      }
      const g = current.groups.find((x) => x.name === group);
      if (!g) return { status: 'fail', expected, found: `no group "${group}" on ${current.key}${dead}`, hint: startConsumer };
      const oldestMs = g.oldestPendingId ? nowMs - streamIdMs(g.oldestPendingId) : null;
      const found =
        `${current.day}: lag ${g.lag === null ? 'n/a (Redis < 7.0)' : formatCount(g.lag)}, ${formatCount(g.pending)} pending` +
        `${oldestMs === null ? '' : `, oldest ${formatDuration(Math.max(0, oldestMs))}`}${dead}`;
      if (atLaunch && g.lag !== null && g.lag > t.groupLagMax) {
        return { status: 'fail', expected, found, hint: 'the consumers fall behind: run more `launchctl consume` workers (same group, other --consumer names)' };
      }
      if (atLaunch && oldestMs !== null && oldestMs > t.pendingMaxAgeMs) {
        return { status: 'fail', expected, found, hint: 'entries stay unacknowledged: a consumer died or keeps failing; consume reclaims them after --reclaim-idle' };
      }
      if (deadLetters > 0) {
        return { status: 'warn', expected, found, hint: `inspect ${createKeys(config.redis.keyPrefix).deadLetters()} (each entry carries a reason)` };
      }
      return { status: 'pass', expected, found };
    });
  },
};
