// The rehearsal's steps, in order (rehearsalSteps at the end). A verb joins the
// rehearsal by adding a step to rehearsalSteps(); the launch-traffic and
// Product Hunt steps live in launch-steps.ts.
import { createHttpAgent, describeHttpError, httpRequest } from '../adapters/http.js';
import { createKeys, utcDay } from '../keys.js';
import { driveTraffic, generateTraffic } from '../domain/engagement/simulate.js';
import { readCacheStatus } from '../domain/warm/response.js';
import { warm } from '../domain/warm/run.js';
import { launchTrafficStep, productHuntStep } from './launch-steps.js';
import { metricsStep } from './metrics-step.js';
import { summarizeLatency, type LatencySample } from './latency.js';
import { pagesByPopularity, type RehearsalSettings, type RehearsalStep } from './step.js';

export { summarizeLatency, type LatencySample, type LatencyStats } from './latency.js';

export type { RehearsalSection, RehearsalSettings, RehearsalStep } from './step.js';

const HISTORY_WINDOW_MS = 50 * 60_000;
const HISTORY_SEED = 20261208;

/** Writes the last hour's engagement (the contract's stream fields) so --predictive has history to read. */
export function engagementHistoryStep(settings: RehearsalSettings): RehearsalStep {
  return {
    id: 'engagement-history',
    title: 'engagement history',
    async run(env) {
      const keys = createKeys(env.config.redis.keyPrefix);
      const now = env.now();
      const stream = keys.engagementStream(utcDay(now));
      const events = generateTraffic({ seed: HISTORY_SEED, users: settings.users, durationMs: HISTORY_WINDOW_MS, startMs: now - HISTORY_WINDOW_MS, paths: pagesByPopularity(env.site.paths) });
      const { ingested } = await driveTraffic(events, { redis: env.redis, config: env.config, signal: env.signal });
      const perPath = new Map<string, number>();
      for (const e of events.slice(0, ingested)) {
        const path = String(e.payload.path);
        perPath.set(path, (perPath.get(path) ?? 0) + 1);
      }
      const top = [...perPath].sort((a, b) => b[1] - a[1]).slice(0, 3);
      return {
        id: this.id,
        title: this.title,
        ok: true,
        lines: [`${settings.users} simulated users, ${ingested} events in ${stream}`, `busiest pages: ${top.map(([p, n]) => `${p} (${n})`).join(', ')}`],
        data: { users: settings.users, events: ingested, stream, perPath: Object.fromEntries(perPath) },
      };
    },
  };
}

const MEASURE_CONCURRENCY = 4;

/** GETs each path `rounds` times, like visitors would (a few at a time), recording latency and cache status. */
export async function measurePaths(origin: string, paths: readonly string[], rounds: number, signal?: AbortSignal): Promise<LatencySample[]> {
  const agent = createHttpAgent({ connections: MEASURE_CONCURRENCY });
  const queue = Array.from({ length: rounds }, () => paths).flat();
  const samples: LatencySample[] = [];
  let next = 0;
  const worker = async () => {
    while (next < queue.length && !signal?.aborted) {
      const path = queue[next++]!;
      try {
        const res = await httpRequest(`${origin}${path}`, { timeoutMs: 10_000, dispatcher: agent });
        samples.push({ path, status: res.status, latencyMs: res.latencyMs, cacheStatus: readCacheStatus(res.headers).status, error: null });
      } catch (err) {
        samples.push({ path, status: null, latencyMs: null, cacheStatus: null, error: describeHttpError(err) });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: MEASURE_CONCURRENCY }, worker));
  } finally {
    await agent.close();
  }
  return samples;
}

const fmt = (ms: number | null) => (ms === null ? '-' : ms < 10 ? `${ms.toFixed(1)}ms` : `${Math.round(ms)}ms`);
const cacheLine = (c: Record<string, number>) =>
  Object.entries(c)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || 'no cache header';

/**
 * First visitors on an unwarmed site; then the stand-in is reset so warm starts
 * from the same cold state. Errors here are what visitors would have seen, a
 * finding rather than a failure of the rehearsal.
 */
export const coldLatencyStep: RehearsalStep = {
  id: 'cold-latency',
  title: 'cold latency (first visitors, nothing warmed)',
  async run(env) {
    const samples = await measurePaths(env.site.origin, env.site.paths, 1, env.signal);
    env.site.reset();
    const stats = summarizeLatency(samples);
    env.coldLatency = stats;
    return {
      id: this.id,
      title: this.title,
      ok: true,
      lines: [
        `${stats.requests} paths · p50 ${fmt(stats.p50)} p95 ${fmt(stats.p95)} · ${cacheLine(stats.cache)}${stats.errors > 0 ? ` · ${stats.errors} error${stats.errors === 1 ? '' : 's'} (${samples.filter((x) => x.error !== null || (x.status ?? 0) >= 400).map((x) => `${x.path} ${x.error ?? x.status}`).join(', ')})` : ''}`,
      ],
      data: { ...stats },
    };
  },
};

/** `warm --predictive` in-process, through the same library function the CLI uses. */
export const warmStep: RehearsalStep = {
  id: 'warm',
  title: 'warm --predictive',
  async run(env) {
    const { plan, result } = await warm({ config: env.config, redis: env.redis, env: env.env, predictive: true, signal: env.signal });
    const r = result!;
    const retried = r.paths.filter((p) => p.attempts > 1);
    const byFactor = new Map<number, string[]>();
    for (const p of r.paths) byFactor.set(p.factor, [...(byFactor.get(p.factor) ?? []), p.path]);
    const factors = [...byFactor]
      .sort((a, b) => b[0] - a[0])
      .map(([f, ps]) => `×${f} ${ps.length > 4 ? `${ps.length} paths` : ps.join(' ')}`)
      .join(' · ');
    const lines = [
      `${r.warmed} warmed, ${r.skipped} skipped, ${r.failed} failed of ${r.total} · success ${(r.successRate * 100).toFixed(1)}% (threshold ${(r.threshold * 100).toFixed(0)}%) · p50 ${fmt(r.latency.p50)} p95 ${fmt(r.latency.p95)}`,
      `paths: ${plan.entries.filter((e) => e.source === 'config').length} from the config, ${plan.entries.filter((e) => e.source === 'sitemap').length} from the sitemap`,
      `predictive: ${r.predictive?.sampled ?? 0} events read${r.predictive?.capped ? ' (the newest only: sample cap)' : ''}; TTL factors ${factors}`,
    ];
    if (retried.length > 0) lines.push(`retried: ${retried.map((p) => `${p.path} (${p.attempts} attempts, ${p.result})`).join(', ')}`);
    if (r.fallback) lines.push(`revalidation fallback: ${r.fallback.paths.length} paths → ${r.fallback.status ?? r.fallback.error}`);
    return {
      id: this.id,
      title: this.title,
      ok: r.passed,
      lines,
      data: { total: r.total, warmed: r.warmed, skipped: r.skipped, failed: r.failed, successRate: r.successRate, latency: r.latency, predictive: r.predictive, fallback: r.fallback, paths: r.paths },
    };
  },
};

export function warmLatencyStep(settings: RehearsalSettings): RehearsalStep {
  return {
    id: 'warm-latency',
    title: 'warm latency (visitors after the warm-up)',
    async run(env) {
      const samples = await measurePaths(env.site.origin, env.site.paths, settings.warmRounds, env.signal);
      const stats = summarizeLatency(samples);
      const cold = env.coldLatency;
      const lines = [`${stats.requests} requests · p50 ${fmt(stats.p50)} p95 ${fmt(stats.p95)} · ${cacheLine(stats.cache)}`];
      let speedup: number | null = null;
      if (cold?.p95 && stats.p95) {
        speedup = Math.round((cold.p95 / stats.p95) * 10) / 10;
        lines.push(`cold → warm: p50 ${fmt(cold.p50)} → ${fmt(stats.p50)}, p95 ${fmt(cold.p95)} → ${fmt(stats.p95)} (${speedup}× faster at p95)`);
      }
      return { id: this.id, title: this.title, ok: stats.errors === 0, lines, data: { ...stats, speedupP95: speedup } };
    },
  };
}

/** The rehearsal, in order. Add a step here to bring another verb into it. */
export function rehearsalSteps(settings: RehearsalSettings): RehearsalStep[] {
  return [
    engagementHistoryStep(settings),
    coldLatencyStep,
    warmStep,
    warmLatencyStep(settings),
    launchTrafficStep({ users: settings.users, durationMs: settings.durationMs }),
    productHuntStep,
    metricsStep,
  ];
}
