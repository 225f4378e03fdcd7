// One trim run: find the day streams, read them, plan, and (unless a dry run)
// execute. The command renders the result; tests call this directly.
import type { RedisClient } from '../../adapters/redis.js';
import type { Keys } from '../../keys.js';
import { executeTrimPlan, type StreamTrimOutcome } from './execute-trim.js';
import { findDayStreams, readStreamInfo } from './read-streams.js';
import { cutoffIdFor, planTrim, type StreamInfo, type StreamTrimPlan, type TrimOptions } from './trim-plan.js';

export interface TrimRunOptions extends TrimOptions {
  redis: RedisClient;
  keys: Keys;
  dryRun: boolean;
}

export interface TrimRunResult {
  plans: StreamTrimPlan[];
  /** null for a dry run. */
  outcomes: StreamTrimOutcome[] | null;
  /** Unacked entries kept although the request would have dropped them. */
  heldBack: number;
  /** Unacked entries dropped because of --force (an upper bound with MAXLEN ~ / MINID ~). */
  forcedUnacked: number;
  /** Streams that grew past the plan's guard and were left alone. */
  skipped: number;
}

export async function trimStreams(options: TrimRunOptions): Promise<TrimRunResult> {
  const { redis, keys } = options;
  const found = await findDayStreams(redis, keys);
  const cutoffId = options.olderThanMs !== undefined ? cutoffIdFor(options.nowMs, options.olderThanMs) : undefined;
  const infos = (await Promise.all(found.map((s) => readStreamInfo(redis, s.key, s.day, { cutoffId })))).filter((s): s is StreamInfo => s !== null);
  const plans = planTrim(infos, options);
  const heldBack = plans.reduce((n, p) => n + (p.held ? p.unackedAtRisk : 0), 0);
  if (options.dryRun) return { plans, outcomes: null, heldBack, forcedUnacked: 0, skipped: 0 };
  const outcomes = await executeTrimPlan(redis, plans);
  return {
    plans,
    outcomes,
    heldBack,
    forcedUnacked: outcomes.reduce((n, o) => n + (o.plan.held || o.skipped ? 0 : o.plan.unackedAtRisk), 0),
    skipped: outcomes.filter((o) => o.skipped).length,
  };
}
