// Which checklist phase applies: the one named on the command line, or the one
// that follows from launch.t0 and the clock. Pure.
import { UsageError } from '../../errors.js';
import { launchPhase, PHASES, type Phase } from '../launch/phase.js';

const ALIASES: Record<string, Phase> = { 't-7': 't-7', 't-1': 't-1', t0: 't0', 't-0': 't0', 't+0': 't0', 't+1': 't+1' };

/** Parses `t-7 | t-1 | t0 | t+1` (case-insensitive; `t-0` is `t0`) or throws a UsageError. */
export function parsePhase(text: string): Phase {
  const phase = ALIASES[text.trim().toLowerCase()];
  if (!phase) throw new UsageError(`phase: expected one of ${PHASES.join(', ')}, received "${text}"`);
  return phase;
}

/** The phase at `nowMs` for a launch at `t0Ms` (the dashboard's launch clock uses the same rule). */
export const phaseAt = launchPhase;

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
