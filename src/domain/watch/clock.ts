// The dashboard's launch clock: T-minus / T-plus from launch.t0 and the phase
// it falls in (the phase rule itself is shared: domain/launch/phase.ts). Pure.
import { formatDuration } from '../../util/duration.js';
import { launchPhase, type Phase } from '../launch/phase.js';
import type { LaunchInfo } from './snapshot.js';

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

const PHASE_LABEL: Record<Phase, string> = {
  't-7': 'before launch',
  't-1': 'eve of launch',
  t0: 'launch day',
  't+1': 'after launch',
};

export function describePhase(phase: Phase): string {
  return PHASE_LABEL[phase];
}
