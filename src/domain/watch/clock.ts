// The launch clock: T-minus / T-plus from launch.t0 and the phase it falls in.
// Pure; the phases follow the seed article's checklists (T-7, T-1, launch day,
// T+1).
import { formatDuration } from '../../util/duration.js';
import type { LaunchInfo, LaunchPhase } from './snapshot.js';

const DAY_MS = 86_400_000;

/**
 * The phase of `nowMs` relative to t0, with the same boundaries as
 * `checklist` (later phase at the boundary): before T-24h → T-7,
 * [T-24h, T-0) → T-1, [T-0, T+24h) → T-0 (launch day), from T+24h → T+1.
 */
export function launchPhase(t0Ms: number, nowMs: number): LaunchPhase {
  const offset = nowMs - t0Ms;
  if (offset < -DAY_MS) return 'T-7';
  if (offset < 0) return 'T-1';
  if (offset < DAY_MS) return 'T-0';
  return 'T+1';
}

export function readLaunchInfo(name: string, t0: string | undefined, nowMs: number): LaunchInfo {
  const t0Ms = t0 === undefined ? Number.NaN : Date.parse(t0);
  if (Number.isNaN(t0Ms)) return { name, t0: null, offsetMs: null, phase: null };
  return { name, t0: t0Ms, offsetMs: nowMs - t0Ms, phase: launchPhase(t0Ms, nowMs) };
}

/** `T-3d 04h`, `T+2h 03m`, `T-0` at the very instant; `no t0` without one. */
export function formatLaunchClock(launch: LaunchInfo): string {
  if (launch.offsetMs === null) return 'no launch.t0';
  if (Math.abs(launch.offsetMs) < 1000) return 'T-0';
  // Whole seconds: a clock that shows milliseconds flickers.
  const whole = Math.trunc(launch.offsetMs / 1000) * 1000;
  return `T${whole < 0 ? '-' : '+'}${formatDuration(Math.abs(whole))}`;
}

const PHASE_LABEL: Record<LaunchPhase, string> = {
  'T-7': 'before launch',
  'T-1': 'eve of launch',
  'T-0': 'launch day',
  'T+1': 'after launch',
};

export function describePhase(phase: LaunchPhase): string {
  return PHASE_LABEL[phase];
}
