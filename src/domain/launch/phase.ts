// The launch phases relative to launch.t0, one vocabulary and one rule for
// every verb: the checklist's argument and default phase, the watch
// dashboard's launch clock and the metrics' launch_phase all come from here.
// Pure; the phases follow the seed article's checklists (T-7, T-1, launch day,
// T+1). Written `t-1` where a user types it, `T-1` where a person reads it.
import { DAY_MS } from '../../util/duration.js';

export const PHASES = ['t-7', 't-1', 't0', 't+1'] as const;
export type Phase = (typeof PHASES)[number];

const LABELS: Record<Phase, string> = { 't-7': 'T-7', 't-1': 'T-1', t0: 'T-0', 't+1': 'T+1' };

/** How a phase is shown to a person (the dashboard, --json of watch, metrics labels): `T-0` for t0. */
export function phaseLabel(phase: Phase): string {
  return LABELS[phase];
}

/**
 * The phase of `nowMs` relative to t0, boundaries included in the later phase:
 * before T-24h → t-7, [T-24h, T-0) → t-1, [T-0, T+24h) → t0 (launch day, the
 * spike and its tail), from T+24h → t+1.
 */
export function launchPhase(t0Ms: number, nowMs: number): Phase {
  const offset = nowMs - t0Ms;
  if (offset < -DAY_MS) return 't-7';
  if (offset < 0) return 't-1';
  if (offset < DAY_MS) return 't0';
  return 't+1';
}
