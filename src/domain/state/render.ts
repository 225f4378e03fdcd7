// Pure renderers of `launchctl state` results (text for stdout).
import { asciiBar, bar } from '../../output/charts.js';
import type { Paint } from '../../output/terminal.js';
import { renderTable } from '../../output/table.js';
import { formatDuration } from '../../util/duration.js';
import { VARIANTS, type ConversionState, type ConversionSummary } from './state-value.js';
import type { CorruptValue } from './deep-scan.js';

const BAR_WIDTH = 30;
/** Corrupt keys listed in the human report; --json lists up to CORRUPT_KEYS_CAP. */
export const CORRUPT_KEYS_SHOWN = 20;

export interface RenderOptions {
  /** Box tables and Unicode bars (a terminal); plain columns and ASCII bars otherwise (logs). */
  decorate: boolean;
  paint: Paint;
  nowMs: number;
}

export interface UserStateView {
  userId: string;
  key: string;
  state: ConversionState;
  /** Seconds left, or null when the key never expires. */
  ttlS: number | null;
}

export function renderUserState(view: UserStateView, { nowMs }: Pick<RenderOptions, 'nowMs'>): string {
  const { state } = view;
  const age = nowMs - state.lastUpdated;
  const relative = age >= 0 ? `${formatDuration(age)} ago` : `${formatDuration(-age)} in the future (clock skew?)`;
  const rows: [string, string][] = [
    ['user', view.userId],
    ['variant', state.variant],
    ['confidence', state.confidence.toFixed(2)],
    ['last update', `${relative} (${new Date(state.lastUpdated).toISOString()})`],
    ['TTL left', view.ttlS === null ? 'none: the key never expires' : formatDuration(view.ttlS * 1000)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/**
 * Users per variant and the confidence histogram, with bars: block characters
 * on a terminal, `#`/`.` in logs. Aligned columns in both (a boxed table with a
 * rule under every row would make a chart three times as tall).
 */
export function renderSummary(summary: ConversionSummary, { decorate, paint }: RenderOptions): string {
  const draw = decorate ? bar : asciiBar;
  const maxVariant = Math.max(0, ...VARIANTS.map((v) => summary.variants[v]));
  const share = (n: number) => (summary.total > 0 ? `${((n / summary.total) * 100).toFixed(1)}%` : '-');
  const variants = renderTable({
    head: ['variant', 'users', 'share', ''],
    rows: VARIANTS.map((v) => [v, summary.variants[v], share(summary.variants[v]), draw(summary.variants[v], maxVariant, BAR_WIDTH).trimEnd()]),
    decorate: false,
    align: ['left', 'right', 'right', 'left'],
  });
  const maxBucket = Math.max(0, ...summary.histogram);
  const histogram = renderTable({
    head: ['confidence', 'users', ''],
    rows: summary.histogram.map((n, i) => [`${(i / 10).toFixed(1)}-${i === 9 ? '1.0' : ((i + 1) / 10).toFixed(1)}`, n, draw(n, maxBucket, BAR_WIDTH).trimEnd()]),
    decorate: false,
    align: ['left', 'right', 'left'],
  });
  const boldHeader = (table: string) => table.replace(/^[^\n]*/, (head) => paint('bold', head));
  return `${boldHeader(variants)}\n\n${boldHeader(histogram)}`;
}

/** The corrupt keys with their reason, capped, with the full count. */
export function renderCorrupt(corrupt: number, keys: readonly CorruptValue[], paint: Paint): string {
  if (corrupt === 0) return 'corrupt values: none';
  const shown = keys.slice(0, CORRUPT_KEYS_SHOWN);
  const lines = [paint('red', `corrupt values: ${corrupt}`), ...shown.map((c) => `  ${c.key}  ${c.reason}`)];
  if (corrupt > shown.length) lines.push(`  ... and ${corrupt - shown.length} more (--json lists ${keys.length} of them)`);
  return lines.join('\n');
}

/** Differences between the counters and a deep scan, as `pricing: counters 10, keys 12`. */
export function describeCountersDrift(counters: ConversionSummary, deep: ConversionSummary): string[] {
  const out: string[] = [];
  for (const v of VARIANTS) if (counters.variants[v] !== deep.variants[v]) out.push(`${v}: counters ${counters.variants[v]}, keys ${deep.variants[v]}`);
  counters.histogram.forEach((n, i) => {
    if (n !== deep.histogram[i]) out.push(`hist:${i}: counters ${n}, keys ${deep.histogram[i]}`);
  });
  return out;
}
