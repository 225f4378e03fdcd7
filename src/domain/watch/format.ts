// Small pure formatters for the dashboard and the line mode: numbers that stay
// short, and lines fitted to a width without breaking ANSI colour codes.

/** Bytes the way redis-cli --stat prints them: 512B, 12.40K, 3.10M, 1.00G. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${Math.round(value)}B` : `${value.toFixed(2)}${units[unit]}`;
}

/** 1234 → 1,234; above a million → 1.23M so columns stay narrow. */
export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  if (Math.abs(n) >= 1_000_000) return `${(n / 1_000_000).toFixed(2)}M`;
  return Math.round(n).toLocaleString('en-US');
}

/** A per-second rate: 0.4, 45.2, 3,410. */
export function formatRate(perSec: number | null | undefined): string {
  if (perSec === null || perSec === undefined || !Number.isFinite(perSec)) return '—';
  if (perSec < 100) return (Math.round(perSec * 10) / 10).toFixed(1);
  return formatCount(perSec);
}

/** 0.9721 → 97.2%. */
export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${(ratio * 100).toFixed(1)}%`;
}

/** PING latency: 0.42ms, 12ms. */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms < 10 ? `${ms.toFixed(2)}ms` : `${Math.round(ms)}ms`;
}

/** HH:MM:SS in UTC. */
export function formatClockUtc(ms: number): string {
  return new Date(ms).toISOString().slice(11, 19);
}

// eslint-disable-next-line no-control-regex
const ANSI_AT_START = /^\x1b\[[0-9;?]*[A-Za-z]/;

/**
 * Cuts or pads `text` to exactly `width` visible cells. ANSI colour codes do
 * not count and are never cut in half; a cut line ends with a reset so colour
 * does not leak into the next cell.
 */
export function fitLine(text: string, width: number): string {
  let out = '';
  let visible = 0;
  let i = 0;
  let cut = false;
  while (i < text.length) {
    const esc = text[i] === '\x1b' ? ANSI_AT_START.exec(text.slice(i)) : null;
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    if (visible >= width) {
      cut = true;
      break;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out += ch;
    i += ch.length;
    visible++;
  }
  if (cut && out.includes('\x1b[')) out += '\x1b[0m';
  return out + ' '.repeat(Math.max(0, width - visible));
}

/** `left` and `right` on one line of `width` cells, right-aligned when there is room. */
export function spread(left: string, right: string, width: number, visibleLength: (s: string) => number): string {
  const gap = width - visibleLength(left) - visibleLength(right);
  return gap >= 1 ? `${left}${' '.repeat(gap)}${right}` : fitLine(left, width);
}
