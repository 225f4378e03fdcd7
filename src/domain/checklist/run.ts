// The checklist as a library call: gather the facts the selected checks need,
// evaluate them, and return the report. The CLI renders what this returns.
import type { LaunchConfig } from '../../config/schema.js';
import { gatherChecklistFacts } from './gather/index.js';
import { neededFacts, selectChecks } from './registry.js';
import { buildChecklistReport, evaluateChecks, type ChecklistReport } from './report.js';
import type { ChecklistFacts, Phase } from './types.js';

export interface RunChecklistOptions {
  config: LaunchConfig;
  env: NodeJS.ProcessEnv;
  phase: Phase;
  /** Run exactly these check ids (validated with parseCheckIds). */
  only?: readonly string[];
  skip?: readonly string[];
  strict?: boolean;
  /** `--report FILE` (mentioned in launch.report's result; the caller writes the file). */
  reportPath?: string | null;
  nowMs?: number;
  signal?: AbortSignal;
  onProgress?: (done: string) => void;
}

export interface ChecklistRun {
  report: ChecklistReport;
  /** The facts the checks saw (for the launch report). */
  facts: ChecklistFacts;
}

export async function runChecklist(o: RunChecklistOptions): Promise<ChecklistRun> {
  const checks = selectChecks(o.phase, o.only, o.skip);
  const { facts, redisUnreachable } = await gatherChecklistFacts({
    config: o.config,
    env: o.env,
    needs: neededFacts(checks),
    phase: o.phase,
    nowMs: o.nowMs ?? Date.now(),
    reportPath: o.reportPath ?? null,
    signal: o.signal ?? new AbortController().signal,
    onProgress: o.onProgress,
  });
  const results = evaluateChecks(checks, facts, o.config.thresholds);
  return { report: buildChecklistReport(o.phase, results, { strict: o.strict === true, redisUnreachable }), facts };
}
