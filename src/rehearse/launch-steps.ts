// The launch itself, rehearsed: simulated visitors' engagement flows through
// ingest into the day stream while a consumer turns it into conversion state,
// and the team polls Product Hunt through the shared cache. Each step reports
// what a founder would look at on launch day.
import { findXinfoGroup } from '../adapters/redis-replies.js';
import { createKeys, utcDay } from '../keys.js';
import { runConsume, type ConsumeTotals } from '../domain/engagement/consumer.js';
import { driveTraffic, generateTraffic } from '../domain/engagement/simulate.js';
import { getPhStatus } from '../domain/ph/service.js';
import type { PhStatus } from '../domain/ph/types.js';
import { readConversionSummary } from '../domain/state/summary.js';
import type { RehearsalEnv } from './environment.js';
import { pagesByPopularity, type RehearsalStep } from './step.js';
import { sleep } from '../util/sleep.js';

export interface TrafficSettings {
  users: number;
  durationMs: number;
}

/** How often the consumer group's lag is sampled while the traffic runs. */
const LAG_SAMPLE_EVERY_MS = 250;
/** After the traffic stops, the consumer gets this long to catch up before the step fails. */
const DRAIN_TIMEOUT_MS = 30_000;
const TRAFFIC_SEED = 8_0_1;

/** Entries of `stream` not yet acked by `group`: pending plus not yet delivered (lag, Redis >= 7). */
async function readBacklog(env: RehearsalEnv, stream: string, group: string): Promise<number> {
  const info = findXinfoGroup(await env.redis.call('XINFO', 'GROUPS', stream).catch(() => []), group);
  if (info) return info.pending + (info.lag ?? 0);
  return (await env.redis.xlen(stream));
}

export function launchTrafficStep(settings: TrafficSettings): RehearsalStep {
  return {
    id: 'launch-traffic',
    title: 'launch traffic (ingest → stream → consume → conversion state)',
    async run(env) {
      const keys = createKeys(env.config.redis.keyPrefix);
      const start = env.now();
      const stream = keys.engagementStream(utcDay(start));
      const events = generateTraffic({ seed: TRAFFIC_SEED, users: settings.users, durationMs: settings.durationMs, startMs: start, paths: pagesByPopularity(env.site.paths) });
      const before = await readConversionSummary(env.redis, keys);

      // The consumer runs beside the traffic on its own connections, as `launchctl consume` would.
      const stopConsumer = new AbortController();
      const onOuterAbort = () => stopConsumer.abort();
      env.signal.addEventListener('abort', onOuterAbort, { once: true });
      let totals: ConsumeTotals | undefined;
      const consumer = runConsume({
        config: env.config,
        consumer: 'rehearsal-consumer',
        batch: 500,
        blockMs: 200,
        maxDeliveries: 5,
        reclaimIdleMs: 30_000,
        forgetIdleMs: 3_600_000,
        once: false,
        signal: stopConsumer.signal,
      }).then((t) => (totals = t));

      let maxBacklog = 0;
      const sampler = setInterval(() => {
        void readBacklog(env, stream, env.config.streams.group).then((b) => (maxBacklog = Math.max(maxBacklog, b)), () => undefined);
      }, LAG_SAMPLE_EVERY_MS);

      const ratePerSec = Math.max(1, Math.round((events.length * 1000) / settings.durationMs));
      let drive: Awaited<ReturnType<typeof driveTraffic>>;
      let drainedAfterMs: number | null = null;
      const consumeStarted = Date.now();
      try {
        drive = await driveTraffic(events, { redis: env.redis, config: env.config, ratePerSec, signal: env.signal });
        const stopAt = Date.now();
        while (!env.signal.aborted && Date.now() - stopAt < DRAIN_TIMEOUT_MS) {
          if ((await readBacklog(env, stream, env.config.streams.group)) === 0) {
            drainedAfterMs = Date.now() - stopAt;
            break;
          }
          await sleep(50);
        }
      } finally {
        clearInterval(sampler);
        stopConsumer.abort();
        await consumer.catch(() => undefined);
        env.signal.removeEventListener('abort', onOuterAbort);
      }
      const consumeMs = Date.now() - consumeStarted;
      const after = await readConversionSummary(env.redis, keys);
      const processed = totals?.processed ?? 0;
      const pct = (n: number) => (after.total > 0 ? `${Math.round((n / after.total) * 100)}%` : '-');
      // The consumer also drains the history written earlier, so it processes at least the traffic.
      const ok = drainedAfterMs !== null && processed >= drive.ingested;
      const lines = [
        `${drive.ingested} events from ${settings.users} simulated users in ${(drive.durationMs / 1000).toFixed(1)}s · ingested ${drive.ratePerSec}/s · consumed ${processed} (the history included) at ${Math.round((processed * 1000) / Math.max(1, consumeMs))}/s`,
        `consumer lag: at most ${maxBacklog} entries behind · ${drainedAfterMs === null ? `NOT caught up within ${DRAIN_TIMEOUT_MS / 1000}s` : `caught up ${drainedAfterMs}ms after the traffic stopped`} · ${totals?.deadLettered ?? 0} dead-lettered`,
        `variants: default ${after.variants.default} (${pct(after.variants.default)}) · pricing ${after.variants.pricing} (${pct(after.variants.pricing)}) · video ${after.variants.video} (${pct(after.variants.video)})`,
      ];
      return {
        id: this.id,
        title: this.title,
        ok,
        lines,
        data: {
          events: drive.ingested,
          users: settings.users,
          ingestPerSec: drive.ratePerSec,
          consumed: processed,
          consumePerSec: Math.round((processed * 1000) / Math.max(1, consumeMs)),
          maxLag: maxBacklog,
          drainedAfterMs,
          deadLettered: totals?.deadLettered ?? 0,
          // The history's users and the traffic's: the consumer drains both.
          usersWithState: after.total - before.total,
          variants: after.variants,
          histogram: after.histogram,
        },
      };
    },
  };
}

/** Polls of the Product Hunt status during the rehearsal, and callers racing in one cache window. */
const PH_POLLS = 4;
const PH_POLL_EVERY_MS = 1100;
const PH_RACERS = 10;

export const productHuntStep: RehearsalStep = {
  id: 'product-hunt',
  title: 'Product Hunt polling (shared cache, rate-limit budget)',
  async run(env) {
    const standIn = env.productHunt;
    if (!standIn || !env.config.productHunt) {
      return { id: this.id, title: this.title, ok: true, lines: ['skipped: no Product Hunt stand-in'], data: { skipped: true } };
    }
    const requestsBefore = standIn.requestCount();
    const options = { config: env.config, redis: env.redis, env: env.env, signal: env.signal };
    // Ten teammates asking at once: one upstream request, the rest read its answer.
    const racers = await Promise.all(Array.from({ length: PH_RACERS }, () => getPhStatus(options)));
    const racerRequests = standIn.requestCount() - requestsBefore;
    const series: PhStatus[] = [racers[0]!];
    for (let i = 1; i < PH_POLLS && !env.signal.aborted; i++) {
      await sleep(PH_POLL_EVERY_MS);
      series.push(await getPhStatus(options));
    }
    const last = series[series.length - 1]!;
    const upstream = standIn.requestCount() - requestsBefore;
    const budget = last.rateLimit ? `${last.rateLimit.remaining}/${last.rateLimit.limit} points left` : 'budget unknown';
    return {
      id: this.id,
      title: this.title,
      ok: racerRequests === 1,
      lines: [
        `${PH_RACERS} simultaneous callers → ${racerRequests} API request${racerRequests === 1 ? '' : 's'} (the rest read the shared cache)`,
        `votes ${series.map((s) => s.votesCount).join(' → ')} · rank #${last.rank ?? '?'} (approximate) · ${upstream} API requests in all · ${budget}`,
      ],
      data: { racers: PH_RACERS, racerRequests, upstreamRequests: upstream, votes: series.map((s) => s.votesCount), rank: last.rank, rateLimit: last.rateLimit },
    };
  },
};
