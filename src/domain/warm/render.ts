// How a warm run reads (pure): the per-path table, the one-line summary, the
// predictive factors, the dry-run plan, and the --json documents. The command
// prints what these return; the library's callers may too.
import { renderTable } from '../../output/table.js';
import type { Paint } from '../../output/terminal.js';
import { formatDuration } from '../../util/duration.js';
import type { WarmPlan, WarmPredictiveInfo } from './plan.js';
import type { WarmPathResult, WarmResult } from './run.js';

/** Beyond this many rows the table shows only the paths that did not warm. */
const TABLE_MAX_ROWS = 200;

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

export function warmPlanJson(plan: WarmPlan): object {
  return {
    dryRun: true,
    origin: plan.origin,
    total: plan.entries.length,
    predictive: plan.predictive,
    plan: plan.entries.map((e) => ({ path: e.path, url: e.url, source: e.source, baseTtl: e.baseTtl, factor: e.factor, reason: e.reason, ttl: e.ttl, ttlRange: e.ttlRange })),
    notes: plan.notes,
    sources: plan.sources,
  };
}
