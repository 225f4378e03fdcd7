// Which checklist phase applies: the one named on the command line, or the one
// that follows from launch.t0 and the clock. Pure.
import { UsageError } from '../../errors.js';
import { launchPhase, type LaunchPhase } from '../launch/phase.js';
import { PHASES, type Phase } from './types.js';

// The dashboard's launch clock and the checklist share one phase rule.
const PHASE_OF_CLOCK: Record<LaunchPhase, Phase> = { 'T-7': 't-7', 'T-1': 't-1', 'T-0': 't0', 'T+1': 't+1' };

const ALIASES: Record<string, Phase> = { 't-7': 't-7', 't-1': 't-1', t0: 't0', 't-0': 't0', 't+0': 't0', 't+1': 't+1' };

/** Parses `t-7 | t-1 | t0 | t+1` (case-insensitive; `t-0` is `t0`) or throws a UsageError. */
export function parsePhase(text: string): Phase {
  const phase = ALIASES[text.trim().toLowerCase()];
  if (!phase) throw new UsageError(`phase: expected one of ${PHASES.join(', ')}, received "${text}"`);
  return phase;
}

/**
 * The phase at `nowMs` for a launch at `t0Ms`, boundaries included in the later
 * phase: before T-1 day → t-7; [T-24h, T-0) → t-1; [T-0, T+24h) → t0 (launch
 * day, the spike and its tail); from T+24h → t+1.
 */
export function phaseAt(t0Ms: number, nowMs: number): Phase {
  return PHASE_OF_CLOCK[launchPhase(t0Ms, nowMs)];
}

/** The phase to run: the argument, else the one launch.t0 and the clock give, else a UsageError. */
export function choosePhase(arg: string | undefined, t0: string | undefined, nowMs: number): Phase {
  if (arg !== undefined) return parsePhase(arg);
  if (t0 === undefined) {
    throw new UsageError('no phase given and launch.t0 is not set', {
      details: [`pass a phase (${PHASES.join(', ')}) or set launch.t0 in the config, e.g. "2026-12-08T08:01:00Z"`],
    });
  }
  return phaseAt(Date.parse(t0), nowMs);
}
