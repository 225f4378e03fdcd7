// What visitors saw in a rehearsal step: latency percentiles and cache statuses (pure).
import { percentile } from '../util/stats.js';

export interface LatencySample {
  path: string;
  status: number | null;
  latencyMs: number | null;
  cacheStatus: string | null;
  error: string | null;
}

export interface LatencyStats {
  requests: number;
  p50: number | null;
  p95: number | null;
  /** Responses per cache status ("HIT": 12, "MISS": 4). */
  cache: Record<string, number>;
  errors: number;
}

export function summarizeLatency(samples: readonly LatencySample[]): LatencyStats {
  const latencies = samples.flatMap((s) => (s.latencyMs === null ? [] : [s.latencyMs]));
  const cache: Record<string, number> = {};
  for (const s of samples) if (s.cacheStatus) cache[s.cacheStatus] = (cache[s.cacheStatus] ?? 0) + 1;
  return {
    requests: samples.length,
    p50: latencies.length ? Math.round(percentile(latencies, 50) * 10) / 10 : null,
    p95: latencies.length ? Math.round(percentile(latencies, 95) * 10) / 10 : null,
    cache,
    errors: samples.filter((s) => s.error !== null || (s.status ?? 0) >= 400).length,
  };
}
