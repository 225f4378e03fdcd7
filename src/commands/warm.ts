// `launchctl warm`: parses the flags (--sitemap and --concurrency go into the
// config), runs the warm executor (domain/warm/run.ts) with a progress bar, and
// prints what domain/warm/render.ts makes of the result: a table or one JSON
// document. Exit 1 below thresholds.warmupSuccessRate, 3 when Redis refused
// the markers. --repeat-after runs the executor again every interval.
import { redisFailure } from '../adapters/redis-errors.js';
import type { LaunchConfig } from '../config/schema.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { EXIT_UNREACHABLE, UnreachableError, UsageError, isLaunchctlError } from '../errors.js';
import { renderWarmPlan, renderWarmReport, renderWarmSummary, warmPlanJson, warmResultJson } from '../domain/warm/render.js';
import { requireOrigin, runWarm, type WarmResult, type WarmRun } from '../domain/warm/run.js';
import type { Progress } from '../output/output.js';
import { formatDuration, parseDuration, parsePositiveInt } from '../util/duration.js';
import { sleep } from '../util/sleep.js';

export interface WarmCommandOptions {
  sitemap?: string;
  pathsFile?: string;
  exclude?: string[];
  limit?: string;
  concurrency?: string;
  predictive?: boolean;
  dryRun?: boolean;
  repeatAfter?: string;
}

const MAX_CONCURRENCY = 1024;

interface ParsedFlags {
  sitemap?: string;
  pathsFile?: string;
  exclude: string[];
  limit?: number;
  concurrency?: number;
  predictive: boolean;
  dryRun: boolean;
  repeatAfterMs?: number;
}

function parseFlags(o: WarmCommandOptions): ParsedFlags {
  // A URL or a file: anything else with a scheme (ftp://, file://) is a mistake worth naming.
  if (o.sitemap !== undefined && (/^[a-z][a-z0-9+.-]*:\/\//i.test(o.sitemap) ? !/^https?:\/\/[^/]/i.test(o.sitemap) : o.sitemap.trim() === '')) {
    throw new UsageError(`--sitemap: expected an http:// or https:// URL or a file, received "${o.sitemap}"`);
  }
  const flags: ParsedFlags = {
    sitemap: o.sitemap,
    pathsFile: o.pathsFile,
    exclude: o.exclude ?? [],
    limit: o.limit === undefined ? undefined : parsePositiveInt(o.limit, '--limit'),
    concurrency: o.concurrency === undefined ? undefined : parsePositiveInt(o.concurrency, '--concurrency'),
    predictive: o.predictive === true,
    dryRun: o.dryRun === true,
    repeatAfterMs: o.repeatAfter === undefined ? undefined : parseDuration(o.repeatAfter, '--repeat-after'),
  };
  if (flags.repeatAfterMs !== undefined && flags.repeatAfterMs < 1000) throw new UsageError(`--repeat-after: expected at least 1s, received "${o.repeatAfter}"`);
  // Each request in flight holds a socket: past this, the warmer itself becomes the stampede.
  if (flags.concurrency !== undefined && flags.concurrency > MAX_CONCURRENCY) throw new UsageError(`--concurrency: at most ${MAX_CONCURRENCY}, received ${flags.concurrency}`);
  const blank = flags.exclude.findIndex((p) => p.trim() === '');
  if (blank >= 0) throw new UsageError('--exclude: expected a pattern such as /admin/** or *.xml, received an empty one');
  if (flags.repeatAfterMs !== undefined && flags.dryRun) throw new UsageError('--repeat-after and --dry-run do not go together');
  return flags;
}

/** One run of the executor with a progress bar (the first round of --repeat-after only). */
async function warmOnce(ctx: CommandContext, config: LaunchConfig, flags: ParsedFlags, showProgress: boolean): Promise<WarmRun> {
  let progress = null as Progress | null;
  let failed = 0;
  try {
    return await runWarm({
      config,
      cwd: ctx.cwd,
      env: ctx.env,
      signal: ctx.signal,
      pathsFile: flags.pathsFile,
      exclude: flags.exclude,
      limit: flags.limit,
      predictive: flags.predictive,
      dryRun: flags.dryRun,
      onPlan: (plan) => {
        if (showProgress && !flags.dryRun) progress = ctx.out.progress('warming', plan.entries.length);
      },
      onPath: (p) => {
        if (p.result === 'failed') failed++;
        progress?.tick(1, failed > 0 ? `${failed} failed` : '');
      },
    });
  } finally {
    progress?.done();
  }
}

export async function warmCommand(ctx: CommandContext, options: WarmCommandOptions): Promise<number> {
  const flags = parseFlags(options);
  // --sitemap and --concurrency stand for warm.sitemap and warm.concurrency.
  const { config } = await loadContextConfig(ctx, { warm: { sitemap: flags.sitemap, concurrency: flags.concurrency } });
  requireOrigin(config);
  const out = ctx.out;

  if (flags.repeatAfterMs === undefined) {
      const { plan, result } = await warmOnce(ctx, config, flags, true);
      if (!result) {
        if (out.json) out.printJson(warmPlanJson(plan));
        else out.result(renderWarmPlan(plan, out.decorateStdout));
        return 0;
      }
      const refused = markerRefusal(result, config);
      // One JSON document either way: a refusal goes in it as `error`.
      if (out.json) out.printJson({ ...warmResultJson(result, plan), ...(refused ? { error: { type: refused.name, message: refused.message, details: refused.details, exitCode: refused.exitCode } } : {}) });
      else out.result(renderWarmReport(result, out.decorateStdout, out.paint));
      if (refused) {
        // The pages were fetched; Redis refused the markers: a dependency's failure (exit 3), said after the table.
        out.info(`${refused.message}\n${refused.details.map((d) => `  ${d}\n`).join('')}`.trimEnd());
        return EXIT_UNREACHABLE;
      }
      return result.passed ? 0 : 1;
  }

  // --repeat-after: launch day lasts hours and markers expire; re-warm until
  // Ctrl-C. Each round connects afresh, so a Redis restart or a sitemap that
  // is briefly down costs one round, not the rest of the day, wherever in the
  // round Redis went (the connect, the --predictive read, the marker writes,
  // a refusal or a silence). A first round that fails is a setup problem and
  // ends the command.
  let passed = true;
  for (let round = 1; !ctx.signal.aborted; round++) {
    const at = () => new Date().toISOString().slice(11, 19);
    try {
        const { plan, result } = await warmOnce(ctx, config, flags, round === 1);
        if (!result) break;
        const refused = markerRefusal(result, config);
        passed = result.passed && !refused;
        if (refused) out.warn(`round ${round}: Redis refused the markers: ${refused.message}`);
        if (out.json) out.printJson({ type: 'round', round, at: Date.now(), ...warmResultJson(result, plan) });
        else if (round === 1) out.result(`${renderWarmReport(result, out.decorateStdout, out.paint)}\nround 1 done at ${at()}Z; next in ${formatDuration(flags.repeatAfterMs)} (Ctrl-C to stop)`);
        else out.result(`round ${round} at ${at()}Z · ${renderWarmSummary(result, out.paint)}`);
    } catch (caught) {
      const err = isLaunchctlError(caught) ? caught : redisFailure(caught, { url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs });
      if (round === 1 || !err) throw caught;
      passed = false;
      if (out.json) out.printJson({ type: 'error', round, at: Date.now(), error: { type: err.name, message: err.message, exitCode: err.exitCode } });
      else out.result(`round ${round} at ${at()}Z · failed: ${err.message} (trying again in ${formatDuration(flags.repeatAfterMs)})`);
    }
    await sleep(flags.repeatAfterMs, ctx.signal);
  }
  return passed ? 0 : 1;
}

/** Redis' refusal of the marker writes (OOM, READONLY, NOPERM, silence), mapped like any Redis failure; undefined when there was none. */
function markerRefusal(result: WarmResult, config: LaunchConfig): UnreachableError | undefined {
  if (!result.redisError) return undefined;
  return (
    redisFailure(result.redisError, { url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs }) ??
    new UnreachableError(`Redis refused the warm markers: ${result.redisError.message.slice(0, 200)}`, undefined, { cause: result.redisError })
  );
}
