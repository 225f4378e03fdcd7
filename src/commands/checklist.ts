// `launchctl checklist [phase]`: the launch checklists as automated checks.
// Parses options, gathers the facts once, evaluates every selected check, then
// renders the report (table / plain lines / JSON, JUnit file, GitHub annotations).
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadContextConfig, type CommandContext } from '../context.js';
import { EXIT_UNREACHABLE, InterruptedError, UsageError, errorCode, isLaunchctlError } from '../errors.js';
import { isGithubActions, renderGithubAnnotations } from '../domain/checklist/github.js';
import { renderJunit } from '../domain/checklist/junit.js';
import { buildLaunchReport } from '../domain/checklist/launch-report.js';
import { choosePhase } from '../domain/checklist/phase.js';
import { CHECKS, parseCheckIds, selectChecks } from '../domain/checklist/registry.js';
import { checkListJson, renderCheckList, renderChecklist } from '../domain/checklist/render.js';
import { checklistExitCode, recount, toChecklistJson } from '../domain/checklist/report.js';
import { runChecklist } from '../domain/checklist/run.js';

export interface ChecklistOptions {
  list?: boolean;
  only?: string;
  skip?: string;
  strict?: boolean;
  junit?: string;
  report?: string;
  /** A Pushgateway URL to send the result to. */
  push?: string;
  /** The clock (tests). */
  now?: () => number;
}

export async function checklistCommand(ctx: CommandContext, phaseArg: string | undefined, options: ChecklistOptions): Promise<number> {
  const { out } = ctx;
  const only = parseCheckIds(options.only, '--only');
  const skip = parseCheckIds(options.skip, '--skip');
  if (options.list) {
    if (out.json) out.printJson(checkListJson(CHECKS));
    else out.result(renderCheckList(CHECKS, { decorate: out.decorateStdout, paint: out.paint }));
    return 0;
  }

  const { config } = await loadContextConfig(ctx);
  const startedAtMs = (options.now ?? Date.now)();
  const phase = choosePhase(phaseArg, config.launch.t0, startedAtMs);
  const checks = selectChecks(phase, only, skip);
  if (checks.length === 0) throw new UsageError(`no checks left to run in phase ${phase} after --only/--skip`);
  if (options.push !== undefined && !/^https?:\/\/[^/]/i.test(options.push)) throw new UsageError(`--push: expected the Pushgateway's http:// or https:// URL, received "${options.push}"`);
  const reportPath = options.report ? resolve(ctx.cwd, options.report) : null;
  const junitPath = options.junit ? resolve(ctx.cwd, options.junit) : null;
  // Before the run, not after it: a CI job should not gather for 10 s and then lose its report.
  await ensureWritableDir(junitPath, '--junit');
  await ensureWritableDir(reportPath, '--report');

  const spinner = await out.spinner(`checklist ${phase}: gathering facts for ${checks.length} checks`);
  const done: string[] = [];
  const { report, facts } = await runChecklist({
    config,
    env: ctx.env,
    phase,
    only,
    skip,
    strict: options.strict === true,
    reportPath,
    nowMs: startedAtMs,
    signal: ctx.signal,
    onProgress: (what) => {
      done.push(what);
      spinner.update(`checklist ${phase}: ${done.join(', ')} done`);
    },
  });
  spinner.stop();
  if (ctx.signal.aborted) throw new InterruptedError();

  const launchReportResult = report.checks.find((r) => r.id === 'launch.report');
  if (launchReportResult && reportPath) {
    try {
      await writeFile(reportPath, `${JSON.stringify(buildLaunchReport(facts), null, 2)}\n`);
    } catch (err) {
      Object.assign(launchReportResult, { status: 'fail', found: `cannot write ${reportPath} (${errorCode(err) ?? String(err)})`, hint: 'pass a --report path in a writable folder' });
      recount(report);
    }
  }

  if (junitPath) {
    const xml = renderJunit(report, { startedAtMs, durationMs: Date.now() - startedAtMs, launchName: config.launch.name });
    try {
      await writeFile(junitPath, xml);
    } catch (err) {
      out.warn(`--junit: cannot write ${junitPath} (${errorCode(err) ?? String(err)})`);
    }
  }

  if (out.json) out.printJson(toChecklistJson(report));
  else out.result(renderChecklist(report, { decorate: out.decorateStdout, paint: out.paint }));

  if (isGithubActions(ctx.env)) {
    // Annotations are for people: on stdout next to the report, on stderr under --json
    // so stdout stays one JSON document (the Actions runner reads both streams).
    const lines = renderGithubAnnotations(report);
    for (const line of lines) (out.json ? out.stderr : out.stdout).write(`${line}\n`);
  }
  if (options.push) {
    // For CI jobs that live for seconds: the verdict lands in Prometheus through the Pushgateway.
    const { pushExposition } = await import('../adapters/pushgateway.js');
    const { EXPOSITION_CONTENT_TYPE, renderChecklistExposition } = await import('../domain/metrics/exposition.js');
    const text = await renderChecklistExposition({ phase, passed: report.passed, finishedAtMs: Date.now(), checks: report.checks });
    try {
      await pushExposition({ url: options.push, job: 'launchctl', grouping: { launch: config.launch.name } }, text, EXPOSITION_CONTENT_TYPE, ctx.signal);
    } catch (err) {
      if (!isLaunchctlError(err)) throw err;
      out.warn(`${err.message}${err.details.map((d) => `\n  ${d}`).join('')}`);
      return EXIT_UNREACHABLE;
    }
  }
  return checklistExitCode(report);
}

async function ensureWritableDir(path: string | null, flag: string): Promise<void> {
  if (path === null) return;
  try {
    await access(dirname(path), constants.W_OK);
  } catch (err) {
    throw new UsageError(`${flag}: cannot write ${path} (${errorCode(err) ?? String(err)} on its folder)`);
  }
}
