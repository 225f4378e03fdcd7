import { formatDuration } from '../../../util/duration.js';
import type { CheckDefinition } from '../types.js';

export const launchT0: CheckDefinition = {
  id: 'launch.t0',
  title: 'Launch time set in UTC',
  phases: ['t-7', 't-1', 't0', 't+1'],
  guards: 'phases, TTL decay and the T-0 checks computed from a wrong or missing launch time',
  needs: [],
  evaluate({ config, nowMs, phase }) {
    const beforeLaunch = phase === 't-7' || phase === 't-1';
    const expected = beforeLaunch ? 'set, ISO-8601 UTC, in the future' : 'set, ISO-8601 UTC';
    const t0 = config.launch.t0;
    if (t0 === undefined) {
      return { status: 'fail', expected, found: 'not set', hint: 'set launch.t0 in the config, e.g. "2026-12-08T08:01:00Z" (UTC)' };
    }
    const t0Ms = Date.parse(t0);
    const when = t0Ms > nowMs ? `in ${formatDuration(t0Ms - nowMs)}` : `${formatDuration(nowMs - t0Ms)} ago`;
    if (beforeLaunch && t0Ms <= nowMs) {
      return { status: 'fail', expected, found: `${t0} (${when})`, hint: 'launch.t0 is in the past: set the new launch time, or run the t0 / t+1 checklist' };
    }
    return { status: 'pass', expected, found: `${t0} (${when})` };
  },
};
