import { formatCount } from '../../../output/format.js';
import { withFact, type CheckDefinition } from '../types.js';

/** How far MAXLEN ~ may overshoot: one radix-tree node (stream-node-max-entries, 100 by default). */
export const APPROX_TRIM_SLACK = 100;

export const streamsBounded: CheckDefinition = {
  id: 'streams.bounded',
  title: 'Engagement streams bounded',
  phases: ['t-7', 't-1', 't0', 't+1'],
  guards: 'day streams growing without bound until Redis runs out of memory',
  needs: ['streams'],
  evaluate({ streams, config }, t) {
    const maxLen = config.streams.maxLen;
    const expected = `each day stream ≤ maxLen ${formatCount(maxLen)}`;
    return withFact(streams, expected, ({ streams: list }) => {
      const longest = [...list].sort((a, b) => b.length - a.length)[0];
      if (!longest) return { status: 'pass', expected, found: 'no day streams yet' };
      const found = `${list.length} day stream${list.length === 1 ? '' : 's'}, longest ${formatCount(longest.length)} (${longest.day})`;
      const hint = 'run `launchctl trim` and keep ingest trimming with MAXLEN ~ streams.maxLen';
      if (longest.length > maxLen * t.streamOverMaxLenFactor) return { status: 'fail', expected, found, hint };
      if (longest.length > maxLen + APPROX_TRIM_SLACK) return { status: 'warn', expected, found, hint };
      return { status: 'pass', expected, found };
    });
  },
};
