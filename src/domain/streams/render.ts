// Pure renderers of `launchctl trim` results.
import { renderTable } from '../../output/table.js';
import type { StreamTrimOutcome } from './execute-trim.js';
import type { StreamTrimPlan } from './trim-plan.js';

export function formatBytes(bytes: number | null): string {
  if (bytes === null) return '-';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function describeAction(plan: StreamTrimPlan): string {
  switch (plan.action) {
    case 'delete':
      return 'delete';
    case 'maxlen':
      return `MAXLEN ~ ${plan.threshold}`;
    case 'minid':
      return `MINID ~ ${plan.threshold}`;
    default:
      return '-';
  }
}

function describeGroups(plan: StreamTrimPlan): string {
  return plan.groups.map((g) => `${g.name}: ${g.pending} pending, lag ${g.lag ?? 'n/a'}`).join('; ');
}

/** The plan (--dry-run): what would run on each stream and why. */
export function renderTrimPlan(plans: readonly StreamTrimPlan[], decorate: boolean): string {
  return renderTable({
    head: ['stream', 'length', 'action', '≈ after', 'memory', 'why'],
    rows: plans.map((p) => [p.key, p.before, describeAction(p), p.expectedAfter, formatBytes(p.memoryBytes), p.held ? `HELD: ${p.reason}` : p.reason]),
    decorate,
    align: ['left', 'right', 'left', 'right', 'right', 'left'],
  });
}

/** The outcome: each stream's length and memory before and after. */
export function renderTrimOutcome(outcomes: readonly StreamTrimOutcome[], decorate: boolean): string {
  return renderTable({
    head: ['stream', 'before', 'after', 'trimmed', 'memory before', 'memory after', 'note'],
    rows: outcomes.map((o) => [
      o.plan.key,
      o.plan.before,
      o.deleted ? 'deleted' : o.after,
      o.trimmed,
      formatBytes(o.plan.memoryBytes),
      formatBytes(o.memoryAfterBytes),
      o.skipped
        ? 'skipped: the stream grew during the trim, run again'
        : o.plan.held
          ? `held back ${o.plan.unackedAtRisk} unacked (${describeGroups(o.plan)})`
          : o.plan.action === 'none'
            ? o.plan.reason
            : describeAction(o.plan),
    ]),
    decorate,
    align: ['left', 'right', 'right', 'right', 'right', 'right', 'left'],
  });
}
