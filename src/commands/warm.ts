// `launchctl warm`: parse the flags, plan (sitemap, --paths-file, --predictive),
// then GET + SET NX EX every path with a progress bar, and render the result as
// a table or one JSON document. Exit 1 below thresholds.warmupSuccessRate.
import { redisFailure } from '../adapters/redis-errors.js';
import { closeRedis, connectRedis, type RedisClient } from '../adapters/redis.js';
import type { LaunchConfig } from '../config/schema.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { EXIT_UNREACHABLE, UnreachableError, UsageError, isLaunchctlError } from '../errors.js';
import type { WarmPlan } from '../domain/warm/plan.js';
import { executeWarmPlan, prepareWarm, requireOrigin, type WarmPathResult, type WarmPredictiveInfo, type WarmResult } from '../domain/warm/run.js';
import type { Output } from '../output/output.js';
import { renderTable } from '../output/table.js';
import type { Paint } from '../output/terminal.js';
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
/** Beyond this many rows the table shows only the paths that did not warm. */
const TABLE_MAX_ROWS = 200;

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

const pct = (r: number) => `${(Math.round(r * 1000) / 10).toFixed(1)}%`;
const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)}ms`);

function resultCell(p: WarmPathResult, paint: Paint): string {
  if (p.result === 'warmed') return paint('green', 'warmed');
  if (p.result === 'skipped') return paint('cyan', 'skipped (already warm)');
  return paint('red', `failed: ${p.error ?? 'unknown'}${p.revalidated ? ' → revalidated' : ''}`);
}

function cacheCell(p: WarmPathResult): string {
  if (p.cacheStatus === null) return p.ageS !== null ? `age ${p.ageS}s` : '-';
  return p.ageS !== null && p.ageS > 0 ? `${p.cacheStatus} (age ${p.ageS}s)` : p.cacheStatus;
}

/** Pure: the per-path table. */
export function renderWarmTable(result: WarmResult, predictive: boolean, decorate: boolean, paint: Paint): string {
  let rows = result.paths;
  let hidden = 0;
  if (rows.length > TABLE_MAX_ROWS) {
    rows = rows.filter((p) => p.result !== 'warmed').slice(0, TABLE_MAX_ROWS);
    hidden = result.paths.length - rows.length;
  }
  const head = ['path', 'HTTP', 'latency', 'cache', 'TTL', ...(predictive ? ['factor'] : []), 'result'];
  const table = renderTable({
    head,
    decorate,
    align: ['left', 'right', 'right', 'left', 'right', ...(predictive ? (['right'] as const) : []), 'left'],
    rows: rows.map((p) => [
      p.path,
      p.httpStatus ?? '-',
      ms(p.latencyMs),
      cacheCell(p),
      p.ttl !== null ? `${p.ttl}s` : p.existingTtl !== null ? `${p.existingTtl}s left` : '-',
      ...(predictive ? [`×${p.factor}`] : []),
      resultCell(p, paint),
    ]),
  });
  return hidden > 0 ? `${table}\n… ${hidden} warmed paths not shown (--json lists every path)` : table;
}

/** Pure: one line saying how the run went. */
export function renderWarmSummary(result: WarmResult, paint: Paint): string {
  const verdict = result.passed ? paint('green', `≥ ${pct(result.threshold)} ✓`) : paint('red', `< threshold ${pct(result.threshold)} ✗`);
  const parts = [
    `${result.warmed} warmed, ${result.skipped} skipped (already warm), ${result.failed} failed of ${result.total}`,
    `success ${pct(result.successRate)} ${verdict}`,
    `latency p50 ${ms(result.latency.p50)} p95 ${ms(result.latency.p95)}`,
    ...(Object.keys(result.cacheStatuses).length > 0
      ? [`cache ${Object.entries(result.cacheStatuses).map(([status, n]) => `${status} ${n}`).join(', ')}`]
      : []),
    formatDuration(result.durationMs),
  ];
  return parts.join(' · ');
}

function renderPredictive(info: WarmPredictiveInfo | null, result: WarmResult): string[] {
  if (!info) return [];
  const head = `predictive: ${info.sampled} engagement events read over the last ${formatDuration(info.windowMs)}${info.capped ? ' (sample cap reached: newest events only)' : ''}`;
  const reasons = new Set(result.paths.map((p) => p.reason));
  if (reasons.size === 1) return [`${head}; every path: ${[...reasons][0] ?? `×${result.paths[0]?.factor ?? 1}`}`];
  const lines = [`${head}; factors:`];
  const seen = new Set<string>();
  for (const p of result.paths) {
    if (!p.reason || seen.has(p.path)) continue;
    seen.add(p.path);
    lines.push(`  ${p.path}  ×${p.factor}  ${p.reason}`);
    if (seen.size >= 50) {
      lines.push(`  … (--json lists every path's factor)`);
      break;
    }
  }
  return lines;
}

/** Pure: the full human report of one run. */
export function renderWarmReport(result: WarmResult, decorate: boolean, paint: Paint): string {
  const out = [renderWarmTable(result, result.predictive !== null, decorate, paint), ''];
  out.push(...renderPredictive(result.predictive, result));
  for (const n of result.notes) out.push(`note: ${n}`);
  if (result.fallback) {
    const f = result.fallback;
    const answer = f.status === null ? (f.error ?? 'not called') : `HTTP ${f.status}${f.body ? ` ${f.body}` : ''}${f.ok ? '' : ` (${f.error})`}`;
    out.push(`revalidation fallback: POST ${f.url} with ${f.paths.length} path${f.paths.length === 1 ? '' : 's'} → ${answer}`);
  }
  if (result.interrupted) out.push('interrupted: paths not attempted are counted as failed');
  out.push(renderWarmSummary(result, paint));
  return out.join('\n');
}

/** Pure: the dry-run plan. */
export function renderWarmPlan(plan: WarmPlan, decorate: boolean): string {
  const table = renderTable({
    head: ['path', 'source', 'base TTL', 'factor', 'TTL (jittered)', ...(plan.predictive ? ['why'] : [])],
    decorate,
    align: ['left', 'left', 'right', 'right', 'right', 'left'],
    rows: plan.entries.map((e) => [e.path, e.source, `${e.baseTtl}s`, `×${e.factor}`, `${e.ttl}s (${e.ttlRange.min}–${e.ttlRange.max})`, ...(plan.predictive ? [e.reason ?? ''] : [])]),
  });
  const notes = plan.notes.map((n) => `note: ${n}`);
  return [table, '', ...notes, `dry run: ${plan.entries.length} path${plan.entries.length === 1 ? '' : 's'} on ${plan.origin} would be warmed; nothing was requested or written`].join('\n');
}

export function warmResultJson(result: WarmResult, plan: WarmPlan): object {
  return {
    total: result.total,
    warmed: result.warmed,
    skipped: result.skipped,
    failed: result.failed,
    successRate: result.successRate,
    threshold: result.threshold,
    passed: result.passed,
    latency: result.latency,
    cacheStatuses: result.cacheStatuses,
    durationMs: result.durationMs,
    paths: result.paths,
    fallback: result.fallback,
    predictive: result.predictive,
    notes: result.notes,
    sources: plan.sources,
    interrupted: result.interrupted,
  };
}

export function warmPlanJson(plan: WarmPlan, predictive: WarmPredictiveInfo | null): object {
  return {
    dryRun: true,
    origin: plan.origin,
    total: plan.entries.length,
    predictive,
    plan: plan.entries.map((e) => ({ path: e.path, url: e.url, source: e.source, baseTtl: e.baseTtl, factor: e.factor, reason: e.reason, ttl: e.ttl, ttlRange: e.ttlRange })),
    notes: plan.notes,
    sources: plan.sources,
  };
}

async function runRound(ctx: CommandContext, config: LaunchConfig, redis: RedisClient | undefined, flags: ParsedFlags, out: Output, showProgress: boolean) {
  const { plan, predictive } = await prepareWarm({
    config,
    redis,
    cwd: ctx.cwd,
    sitemap: flags.sitemap,
    pathsFile: flags.pathsFile,
    exclude: flags.exclude,
    limit: flags.limit,
    predictive: flags.predictive,
    signal: ctx.signal,
  });
  if (flags.dryRun) return { plan, predictive, result: null };
  if (plan.entries.length === 0) {
    throw new UsageError('nothing to warm: no paths after merging warm.paths, the sitemap and --paths-file', {
      details: ['list launch paths in warm.paths, set warm.sitemap or --sitemap, or pass --paths-file FILE'],
    });
  }
  const progress = showProgress ? out.progress('warming', plan.entries.length) : null;
  let failed = 0;
  const result = await executeWarmPlan(plan, {
    config,
    redis: redis!,
    env: ctx.env,
    concurrency: flags.concurrency,
    signal: ctx.signal,
    onPath: (p) => {
      if (p.result === 'failed') failed++;
      progress?.tick(1, failed > 0 ? `${failed} failed` : '');
    },
  });
  progress?.done();
  result.predictive = predictive;
  return { plan, predictive, result };
}

export async function warmCommand(ctx: CommandContext, options: WarmCommandOptions): Promise<number> {
  const flags = parseFlags(options);
  const { config } = await loadContextConfig(ctx);
  requireOrigin(config);
  const out = ctx.out;
  const needsRedis = !flags.dryRun || flags.predictive;
  const connect = () => (needsRedis ? connectRedis(config.redis) : Promise.resolve(undefined));

  if (flags.repeatAfterMs === undefined) {
    const redis = await connect();
    try {
      const { plan, predictive, result } = await runRound(ctx, config, redis, flags, out, true);
      if (!result) {
        if (out.json) out.printJson(warmPlanJson(plan, predictive));
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
    } finally {
      if (redis) await closeRedis(redis);
    }
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
      const redis = await connect();
      try {
        const { plan, result } = await runRound(ctx, config, redis, flags, out, round === 1);
        if (!result) break;
        const refused = markerRefusal(result, config);
        passed = result.passed && !refused;
        if (refused) out.warn(`round ${round}: Redis refused the markers: ${refused.message}`);
        if (out.json) out.printJson({ type: 'round', round, at: Date.now(), ...warmResultJson(result, plan) });
        else if (round === 1) out.result(`${renderWarmReport(result, out.decorateStdout, out.paint)}\nround 1 done at ${at()}Z; next in ${formatDuration(flags.repeatAfterMs)} (Ctrl-C to stop)`);
        else out.result(`round ${round} at ${at()}Z · ${renderWarmSummary(result, out.paint)}`);
      } finally {
        if (redis) await closeRedis(redis);
      }
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
