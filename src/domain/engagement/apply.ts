// Runs scripts/apply-events.lua: the conversion rules applied on the Redis
// server in one atomic step per call. Used by the consumer (a whole batch per
// call on a single Redis) and by the library's evaluateConversionPath.
import { luaScript, runScript } from '../../adapters/lua.js';
import { sendCommands } from '../../adapters/redis-commands.js';
import { isClusterClient } from '../../adapters/redis-errors.js';
import type { RedisClient } from '../../adapters/redis.js';
import type { LaunchConfig } from '../../config/schema.js';
import { UsageError } from '../../errors.js';
import { createKeys, type Keys } from '../../keys.js';
import type { ConversionState } from '../state/state-value.js';
import { checkEvent, type EventType } from './event.js';
import { buildRules, CONFIDENCE_UNITS, type ConversionRules, type RuleState } from './rules.js';

/**
 * Safety cap on the applied records one state keeps. The watermark normally
 * keeps a handful; the cap only bites when entries of one user stay pending
 * for a very long time (docs/consume.md explains what it would cost).
 */
export const MAX_APPLIED_RECORDS = 1000;

/** The sentinel watermark meaning "prune nothing". */
export const NO_WATERMARK = '0-0';

/**
 * The record of one applied entry kept in the state (Cluster mode): its day
 * stream and ID. IDs alone are not unique across day streams (two streams can
 * get the same ID in the same server millisecond around midnight), so the day
 * is part of it.
 */
export function appliedRecord(day: string, id: string): string {
  return `${day}/${id}`;
}

export interface ApplyInput {
  userId: string;
  /**
   * Ack mode: the entry ID, acked in the script (`stream` names its day stream).
   * Record mode: "<day>/<entry id>", the record kept in the state. '' to apply
   * without de-duplication (the library's direct call).
   */
  token: string;
  /** Index (0-based) into ApplyCallOptions.streams in ack mode; undefined otherwise. */
  stream?: number;
  eventType: EventType;
  ts: number;
}

/** An entry that goes to the dead-letter stream, acked in the same step (ack mode). */
export interface DeadInput {
  stream: number;
  id: string;
  reason: string;
  fields: readonly string[];
}

export interface ApplyCallOptions {
  keys: Keys;
  rules: ConversionRules;
  /** Ack mode (single Redis): the group and the day streams the inputs' `stream` indexes name. */
  group?: string;
  /** Ack mode: this consumer's name; only entries pending for it are applied. */
  consumer?: string;
  streams?: readonly string[];
  dead?: readonly DeadInput[];
  /** MAXLEN ~ of the dead-letter stream. */
  deadMaxLen?: number;
  /** Record mode: applied records below this ID are forgotten (see consumer.ts). */
  watermark?: string;
  /** Record mode: server time (ms) after which the call writes nothing (a paused consumer's fence). */
  deadline?: number;
  /**
   * Record mode: this call's id, kept in the states it changes, so that a
   * re-execution of it (a client re-sending after a reconnect) or a retry
   * naming it in `recoverable` gets its counter deltas back, once
   * ('recovered'); see the header of apply-events.lua.
   */
  callId?: string;
  /** Record mode: ids of this consumer's calls whose reply it never heard. */
  recoverable?: readonly string[];
  /** Update conv:stats in the script (single Redis); false on a Cluster. */
  updateCounters: boolean;
  returnStates?: boolean;
  nowMs: number;
}

/** What the script did with one entry (see the header of apply-events.lua). */
export type ApplyStatus = 'applied' | 'reset' | 'done-elsewhere' | 'recovered' | 'dead-lettered' | 'no-group' | 'ack-failed';

const STATUS_BY_CODE: Record<string, ApplyStatus> = {
  a: 'applied',
  r: 'reset',
  d: 'done-elsewhere',
  p: 'recovered',
  x: 'dead-lettered',
  g: 'no-group',
  e: 'ack-failed',
};

export interface ApplyReply {
  /** Past the deadline: nothing was written (record mode). */
  stale: boolean;
  /** One per input, then one per dead input. */
  statuses: ApplyStatus[];
  /** Counter changes (field → delta), already written when updateCounters was true. */
  deltas: Map<string, number>;
  /** The first error XACK answered with ('' for none), for 'ack-failed' entries. */
  ackError: string;
  states: string[];
}

/** EVALSHA arguments: numkeys, keys, argv (see the header of apply-events.lua). */
export function buildApplyArgs(inputs: readonly ApplyInput[], options: ApplyCallOptions): (string | number)[] {
  const { keys, rules } = options;
  const w = rules.weightUnits;
  const streams = options.streams ?? [];
  const dead = options.dead ?? [];
  const stateKeys: string[] = [];
  const keyIndex = new Map<string, number>();
  const indexes = inputs.map((input) => {
    const key = keys.convState(input.userId);
    let k = keyIndex.get(key);
    if (k === undefined) {
      k = stateKeys.push(key);
      keyIndex.set(key, k);
    }
    return k;
  });
  // On a Cluster every key of a call must be in one slot: the first state key
  // stands in for the counters hash and the dead-letter stream (both untouched).
  const standIn = stateKeys[0] ?? keys.convStats();
  const first = options.updateCounters ? keys.convStats() : standIn;
  const second = dead.length > 0 ? keys.deadLetters() : first;
  const args: (string | number)[] = [2 + streams.length + stateKeys.length, first, second, ...streams, ...stateKeys];
  args.push(w.hover, w.scroll, w.cta_click, w.form_submit, rules.pricingAtUnits, rules.videoBelowUnits, rules.idleMs, rules.stateTtlS);
  args.push(options.updateCounters ? '1' : '0', options.returnStates ? '1' : '0', options.nowMs, MAX_APPLIED_RECORDS);
  args.push(options.group ?? '', streams.length, inputs.length, options.deadline ?? '', options.watermark ?? NO_WATERMARK, options.deadMaxLen ?? 0, dead.length, options.consumer ?? '');
  const recoverable = options.recoverable ?? [];
  args.push(options.callId ?? '', recoverable.length, ...recoverable);
  inputs.forEach((input, i) => {
    args.push(input.stream === undefined ? 0 : input.stream + 1, input.token, indexes[i]!, input.eventType, input.ts);
  });
  for (const d of dead) args.push(d.stream + 1, d.id, d.reason, d.fields.length, ...d.fields);
  return args;
}

export function parseApplyReply(raw: unknown): ApplyReply {
  const [codes, flat, ackError, ...states] = raw as [string, (string | number)[] | undefined, string | undefined, ...string[]];
  if (codes === 'S') return { stale: true, statuses: [], deltas: new Map(), ackError: '', states: [] };
  const deltas = new Map<string, number>();
  for (let i = 0; i + 1 < (flat ?? []).length; i += 2) deltas.set(String(flat![i]), Number(flat![i + 1]));
  const statuses = Array.from(codes, (c) => STATUS_BY_CODE[c] ?? 'ack-failed');
  return { stale: false, statuses, deltas, ackError: ackError ?? '', states };
}

/** scripts/apply-events.lua: KEYS vary with the batch (numkeys first, see buildApplyArgs). */
export const APPLY_EVENTS = luaScript('applyEvents', import.meta.url, 'scripts/apply-events.lua');

/** Runs the script once on a client. */
export async function callApply(client: RedisClient, inputs: readonly ApplyInput[], options: ApplyCallOptions): Promise<ApplyReply> {
  return parseApplyReply(await runScript(client, APPLY_EVENTS, buildApplyArgs(inputs, options)));
}

/** Writes counter deltas the script returned without writing them (Redis Cluster). */
export async function writeCounterDeltas(client: RedisClient, keys: Keys, deltas: ReadonlyMap<string, number>, nowMs: number): Promise<void> {
  if (deltas.size === 0) return;
  const stats = keys.convStats();
  const replies = await sendCommands(client, [...[...deltas].map(([field, delta]) => ['HINCRBY', stats, field, delta] as const), ['HSET', stats, 'updatedAt', nowMs]]);
  for (const [err] of replies) if (err) throw err;
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
  const cluster = isClusterClient(options.redis);
  const nowMs = (options.now ?? Date.now)();
  const reply = await callApply(
    options.redis,
    [{ userId: check.event.userId, token: '', eventType: check.event.eventType, ts: Math.round(check.event.timestamp) }],
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
