// Runs scripts/apply-events.lua: the conversion rules applied on the Redis
// server in one atomic step per call. Used by the consumer (a whole batch per
// call on a single Redis) and by the library's evaluateConversionPath.
import { Cluster, type ChainableCommander } from 'ioredis';
import type { RedisClient } from '../../adapters/redis.js';
import type { LaunchConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { createKeys, type Keys } from '../../keys.js';
import { checkEvent, type EventType } from './event.js';
import { buildRules, CONFIDENCE_UNITS, type ConversionRules, type RuleState, type Variant } from './rules.js';
import { callScript, ensureScript, queueScript } from './lua.js';
import { NO_WATERMARK } from './stream-id.js';

/**
 * Safety cap on the applied records one state keeps. The watermark normally
 * keeps a handful; the cap only bites when entries of one user stay pending
 * for a very long time (docs/consume.md explains what it would cost).
 */
export const MAX_APPLIED_RECORDS = 1000;

export interface ApplyInput {
  userId: string;
  /** "<day>/<entry id>", or '' to apply without de-duplication. */
  record: string;
  eventType: EventType;
  ts: number;
}

export interface ApplyCallOptions {
  keys: Keys;
  rules: ConversionRules;
  /** Applied records below this ID are forgotten (see consumer.ts). */
  watermark?: string;
  /** Update conv:stats in the script (single Redis); false on a Cluster. */
  updateCounters: boolean;
  returnStates?: boolean;
  nowMs: number;
}

export interface ApplyReply {
  /** One character per input: 'a' applied, 'd' already applied, 'r' applied over a corrupt value. */
  statuses: string;
  /** Counter changes (field → delta), already written when updateCounters was true. */
  deltas: Map<string, number>;
  states: string[];
}

/** EVALSHA arguments: numkeys, keys, argv (see the header of apply-events.lua). */
export function buildApplyArgs(inputs: readonly ApplyInput[], options: ApplyCallOptions): (string | number)[] {
  const { keys, rules } = options;
  const w = rules.weightUnits;
  // On a Cluster every key of a call must be in one slot: without counters, the
  // first state key stands in for the counters hash (the script does not touch it).
  const first = options.updateCounters || inputs.length === 0 ? keys.convStats() : keys.convState(inputs[0]!.userId);
  const args: (string | number)[] = [inputs.length + 1, first];
  for (const input of inputs) args.push(keys.convState(input.userId));
  args.push(w.hover, w.scroll, w.cta_click, w.form_submit, rules.pricingAtUnits, rules.videoBelowUnits, rules.idleMs, rules.stateTtlS);
  args.push(options.watermark ?? NO_WATERMARK, options.updateCounters ? '1' : '0', options.returnStates ? '1' : '0', options.nowMs, MAX_APPLIED_RECORDS);
  for (const input of inputs) args.push(input.record, input.eventType, input.ts);
  return args;
}

export function parseApplyReply(raw: unknown): ApplyReply {
  const [statuses, flat, ...states] = raw as [string, (string | number)[], ...string[]];
  const deltas = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) deltas.set(String(flat[i]), Number(flat[i + 1]));
  return { statuses, deltas, states };
}

/** Registers apply-events.lua on a client (idempotent). */
export function ensureApplyScript(client: RedisClient): Promise<void> {
  return ensureScript(client, 'applyEvents');
}

/** Calls the script on a client (after ensureApplyScript). */
export async function callApply(client: RedisClient, inputs: readonly ApplyInput[], options: ApplyCallOptions): Promise<ApplyReply> {
  return parseApplyReply(await callScript(client, 'applyEvents', buildApplyArgs(inputs, options)));
}

/** Queues the script on a pipeline of a client that ensureApplyScript prepared; the reply comes from exec(). */
export function queueApply(pipeline: ChainableCommander, inputs: readonly ApplyInput[], options: ApplyCallOptions): void {
  queueScript(pipeline, 'applyEvents', buildApplyArgs(inputs, options));
}

/** Writes counter deltas the script returned without writing them (Redis Cluster). */
export async function writeCounterDeltas(client: RedisClient, keys: Keys, deltas: ReadonlyMap<string, number>, nowMs: number): Promise<void> {
  if (deltas.size === 0) return;
  const pipeline = client.pipeline();
  for (const [field, delta] of deltas) pipeline.hincrby(keys.convStats(), field, delta);
  pipeline.hset(keys.convStats(), 'updatedAt', nowMs);
  await pipeline.exec();
}

export function isCluster(client: RedisClient): boolean {
  return client instanceof Cluster;
}

/** A conversion state as the library returns it. */
export interface ConversionState {
  variant: Variant;
  confidence: number;
  lastUpdated: number;
  /** Events applied to this state. */
  events: number;
}

export interface EvaluateOptions {
  redis: RedisClient;
  config: Pick<LaunchConfig, 'redis' | 'conversion'>;
  now?: () => number;
}

/**
 * Applies one event to a user's conversion state in one atomic step on the
 * server and returns the new state. The rules are the seed's, configurable, with
 * its bugs fixed: idle is measured against the previous update, and there is no
 * GET-then-SET race. Throws UsageError for an invalid event or user id.
 *
 * Use it OR ingest + consume for a given event, not both: the direct call does
 * not know the event's stream entry, so it cannot recognise it again.
 */
export async function evaluateConversionPath(userId: string, event: unknown, options: EvaluateOptions): Promise<ConversionState> {
  // The userId argument names the state; it also fills the event's own field.
  const check = checkEvent(typeof event === 'object' && event !== null && !Array.isArray(event) ? { ...event, userId } : event);
  if (!check.ok) throw new UsageError(`invalid engagement event: ${check.reason}`);
  const keys = createKeys(options.config.redis.keyPrefix);
  const cluster = isCluster(options.redis);
  const nowMs = (options.now ?? Date.now)();
  await ensureApplyScript(options.redis);
  const reply = await callApply(
    options.redis,
    [{ userId: check.event.userId, record: '', eventType: check.event.eventType, ts: Math.round(check.event.timestamp) }],
    { keys, rules: buildRules(options.config.conversion), updateCounters: !cluster, returnStates: true, nowMs },
  );
  if (cluster) await writeCounterDeltas(options.redis, keys, reply.deltas, nowMs);
  return toConversionState(JSON.parse(reply.states[0]!) as RuleState);
}

function toConversionState(value: RuleState): ConversionState {
  return {
    variant: value.variant,
    confidence: Math.round(value.confidence * CONFIDENCE_UNITS) / CONFIDENCE_UNITS,
    lastUpdated: value.lastUpdated,
    events: value.events,
  };
}
