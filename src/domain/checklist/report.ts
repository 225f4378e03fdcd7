// Running the selected checks over the gathered facts, and the verdict. Pure.
import type { CheckDefinition, CheckResult, CheckStatus, ChecklistFacts, Phase, Thresholds } from './types.js';

export interface ChecklistReport {
  phase: Phase;
  /** True when nothing failed (and, with --strict, nothing warned). */
  passed: boolean;
  strict: boolean;
  counts: Record<CheckStatus, number>;
  checks: CheckResult[];
  /** Redis could not be reached at all: the run exits 3 once the report is out. */
  redisUnreachable: boolean;
}

export function evaluateChecks(checks: readonly CheckDefinition[], facts: ChecklistFacts, thresholds: Thresholds): CheckResult[] {
  return checks.map((c) => {
    let outcome;
    try {
      outcome = c.evaluate(facts, thresholds);
    } catch (err) {
      // A bug in one check must not hide the others.
      outcome = { status: 'fail' as const, expected: '', found: `check crashed: ${err instanceof Error ? err.message : String(err)}`, hint: 'this is a bug in launchctl; please report it' };
    }
    return { id: c.id, title: c.title, status: outcome.status, expected: outcome.expected, found: outcome.found, hint: outcome.hint ?? '' };
  });
}

export function buildChecklistReport(phase: Phase, results: CheckResult[], options: { strict: boolean; redisUnreachable: boolean }): ChecklistReport {
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const r of results) counts[r.status]++;
  const passed = counts.fail === 0 && (!options.strict || counts.warn === 0);
  return { phase, passed, strict: options.strict, counts, checks: results, redisUnreachable: options.redisUnreachable };
}

/** Recomputes counts and verdict after a result changed (launch.report failing to write its file). */
export function recount(report: ChecklistReport): void {
  const again = buildChecklistReport(report.phase, report.checks, { strict: report.strict, redisUnreachable: report.redisUnreachable });
  report.counts = again.counts;
  report.passed = again.passed;
}

/** 0 passed, 3 Redis unreachable (the report was still printed), 1 a check failed. */
export function checklistExitCode(report: ChecklistReport): number {
  if (report.redisUnreachable) return 3;
  return report.passed ? 0 : 1;
}

/** Whether a result counts as a failure in this run (warnings do under --strict). */
export function isFailing(result: CheckResult, strict: boolean): boolean {
  return result.status === 'fail' || (strict && result.status === 'warn');
}

/** The JSON document of `checklist --json` (without `version`, which printJson adds). */
export function toChecklistJson(report: ChecklistReport): object {
  return {
    phase: report.phase,
    passed: report.passed,
    counts: report.counts,
    checks: report.checks.map(({ id, title, status, expected, found, hint }) => ({ id, title, status, expected, found, hint })),
  };
}
