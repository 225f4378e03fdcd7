// Small pure formatters for numbers that stay short: bytes, counts, rates,
// percentages, latencies, UTC clock times. One style across verbs: the watch
// dashboard and the checklist's expected/found columns both use them.

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
