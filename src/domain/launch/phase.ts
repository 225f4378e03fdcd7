// The launch phases relative to launch.t0, one rule for every verb: the watch
// dashboard's launch clock and the checklist's default phase both come from
// launchPhase. Pure; the phases follow the seed article's checklists (T-7,
// T-1, launch day, T+1).
import { DAY_MS } from '../../util/duration.js';

export type LaunchPhase = 'T-7' | 'T-1' | 'T-0' | 'T+1';

/**
 * The phase of `nowMs` relative to t0, boundaries included in the later phase:
 * before T-24h → T-7, [T-24h, T-0) → T-1, [T-0, T+24h) → T-0 (launch day),
 * from T+24h → T+1.
 */
export function launchPhase(t0Ms: number, nowMs: number): LaunchPhase {
  const offset = nowMs - t0Ms;
  if (offset < -DAY_MS) return 'T-7';
  if (offset < 0) return 'T-1';
  if (offset < DAY_MS) return 'T-0';
  return 'T+1';
}
