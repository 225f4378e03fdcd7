/**
 * The engagement pipeline against a real redis-server:
 * - the Lua rules agree with the pure rules on the shared case table;
 * - exactly-once: an entry applied twice is recognised, records below the
 *   watermark are forgotten, counters match the states;
 * - the library API (ingestEngagement pipelined, evaluateConversionPath);
 * - the consumer: malformed entries written straight into the stream end in the
 *   dead-letter stream with a reason, --max-deliveries, XAUTOCLAIM of a crashed
 *   consumer's entries, removal of long-idle consumers;
 * - OOM on a small maxmemory/noeviction server: only entries every group
 *   acked are removed to make room; otherwise StreamFullError with the figures.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { closeRedis, connectRedis, type RedisClient } from '../../src/adapters/redis.js';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import type { LaunchConfig, LaunchConfigInput } from '../../src/config/schema.js';
import { callApply, evaluateConversionPath, type ApplyInput } from '../../src/domain/engagement/apply.js';
import { runConsumer, type ConsumerOptions } from '../../src/domain/engagement/consumer.js';
import type { EngagementEvent } from '../../src/domain/engagement/event.js';
import { EventTooLargeError, ingestEngagement, ingestEvents, InvalidEventError, StreamFullError } from '../../src/domain/engagement/ingest.js';
import { ingestLines } from '../../src/domain/engagement/ndjson.js';
import { applyRules, buildRules, confidenceBucket, type RuleState } from '../../src/domain/engagement/rules.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { CONVERSION_CASES } from '../fixtures/conversion-cases.js';
import { deletePrefix, makeConfig, onCluster, useTestRedis } from '../helpers/redis.js';

const redis = useTestRedis();
let client: RedisClient | undefined;

async function connect(input: LaunchConfigInput = {}): Promise<{ config: LaunchConfig; client: RedisClient }> {
  const config = makeConfig(input, redis.url(), redis.prefix());
  client = await connectRedis(config.redis);
  return { config, client };
}

/** connect() plus the key helpers and today's day stream. */
async function connectWithStream(input: LaunchConfigInput = {}) {
  const connected = await connect(input);
  const keys = createKeys(connected.config.redis.keyPrefix);
  return { ...connected, keys, stream: keys.engagementStream(utcDay(Date.now())) };
}

afterEach(async () => {
  if (client) await closeRedis(client);
  client = undefined;
});

function event(userId: string, eventType: EngagementEvent['eventType'], timestamp: number, payload: Record<string, unknown> = { path: '/' }): EngagementEvent {
  return { userId, eventType, payload, timestamp };
}

async function readState(raw: Redis, config: LaunchConfig, userId: string): Promise<Record<string, unknown> | null> {
  const text = await raw.get(createKeys(config.redis.keyPrefix).convState(userId));
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
}

function consumerOptions(c: RedisClient, config: LaunchConfig, over: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return {
    client: c,
    reader: c,
    config,
    consumer: 'test-consumer',
    batch: 100,
    blockMs: 10,
    maxDeliveries: 5,
    reclaimIdleMs: 60_000,
    forgetIdleMs: 3_600_000,
    once: true,
    signal: new AbortController().signal,
    ...over,
  };
}

describe('Lua rules agree with the pure rules', () => {
  it.each(CONVERSION_CASES)('$name', async ({ conversion, events, expect: expected }) => {
    const { config, client: c } = await connect({ conversion });
    const rules = buildRules(config.conversion);
    const keys = createKeys(config.redis.keyPrefix);
    // One call per event, as the library does...
    const oneUser = randomUUID();
    let pure: RuleState | null = null;
    for (const [eventType, ts] of events) {
      // On a cluster a call touches one slot: the counters are written from the deltas (engagement-cluster.test.ts).
      await callApply(c, [{ userId: oneUser, token: '', eventType, ts }], { keys, rules, updateCounters: !onCluster(), nowMs: 1 });
      pure = applyRules(pure, { eventType, ts }, rules);
    }
    // ...and all in one batch, as the consumer does.
    const batchUser = randomUUID();
    await callApply(
      c,
      events.map(([eventType, ts], i) => ({ userId: batchUser, token: `d/1-${i}`, eventType, ts })),
      { keys, rules, updateCounters: !onCluster(), nowMs: 1 },
    );
    expect(pure).toEqual(expected);
    for (const userId of [oneUser, batchUser]) {
      expect(await readState(redis.client(), config, userId)).toMatchObject(expected);
    }
  });
});

// The script's single-Redis mode: states and counters in one call. On a cluster the
// consumer runs it per user without counters (engagement-cluster.test.ts covers that).
describe.skipIf(onCluster())('exactly-once state updates (single Redis: states and counters in one call)', () => {
  it('recognises an entry it already applied, and keeps counters equal to the states', async () => {
    const { config, client: c } = await connect();
    const keys = createKeys(config.redis.keyPrefix);
    const rules = buildRules(config.conversion);
    const user = randomUUID();
    const input: ApplyInput = { userId: user, token: '2026-12-08/100-0', eventType: 'scroll', ts: 1000 };
    const first = await callApply(c, [input], { keys, rules, updateCounters: true, nowMs: 5 });
    const again = await callApply(c, [input, input], { keys, rules, updateCounters: true, nowMs: 6 });
    expect(first.statuses).toEqual(['applied']);
    expect(again.statuses).toEqual(['done-elsewhere', 'done-elsewhere']);
    expect(await readState(redis.client(), config, user)).toMatchObject({ confidence: 0.3, events: 1, applied: ['2026-12-08/100-0'] });
    expect(await redis.client().hgetall(keys.convStats())).toMatchObject({ events: '1', users: '1', 'variant:default': '1', 'hist:3': '1' });
  });

  it('forgets applied records below the watermark once a state holds more than 8, keeps the rest', async () => {
    const { config, client: c } = await connect();
    const keys = createKeys(config.redis.keyPrefix);
    const rules = buildRules(config.conversion);
    const user = randomUUID();
    const ids = Array.from({ length: 8 }, (_, i) => `${100 + i}-0`);
    await callApply(
      c,
      ids.map((id, i) => ({ userId: user, token: `2026-12-08/${id}`, eventType: 'hover', ts: i })),
      { keys, rules, watermark: '105-0', updateCounters: true, nowMs: 1 },
    );
    // 8 records: not pruned yet, even below the watermark.
    expect((await readState(redis.client(), config, user))?.applied).toHaveLength(8);
    await callApply(c, [{ userId: user, token: '2026-12-08/200-0', eventType: 'hover', ts: 99 }], { keys, rules, watermark: '105-0', updateCounters: true, nowMs: 1 });
    expect((await readState(redis.client(), config, user))?.applied).toEqual([...ids.slice(5).map((id) => `2026-12-08/${id}`), '2026-12-08/200-0']);
    // A pruned record's entry can never come back (that is what the watermark means); kept ones are still recognised.
    const again = await callApply(c, [{ userId: user, token: '2026-12-08/106-0', eventType: 'hover', ts: 12 }], { keys, rules, updateCounters: true, nowMs: 1 });
    expect(again.statuses).toEqual(['done-elsewhere']);
  });

  it('moves users between variant and histogram counters as their state changes', async () => {
    const { config, client: c } = await connect();
    const keys = createKeys(config.redis.keyPrefix);
    const rules = buildRules(config.conversion);
    const users = Array.from({ length: 20 }, () => randomUUID());
    const types = ['hover', 'scroll', 'cta_click', 'form_submit'] as const;
    const inputs: ApplyInput[] = [];
    for (let i = 0; i < 300; i++) inputs.push({ userId: users[(i * 7) % 20]!, token: `d/${i}-0`, eventType: types[(i * 13) % 4]!, ts: i * 900 });
    for (let i = 0; i < inputs.length; i += 37) await callApply(c, inputs.slice(i, i + 37), { keys, rules, updateCounters: true, nowMs: 1 });
    const expected: Record<string, number> = { events: 300, users: 20 };
    for (const u of users) {
      const s = (await readState(redis.client(), config, u))!;
      expected[`variant:${String(s.variant)}`] = (expected[`variant:${String(s.variant)}`] ?? 0) + 1;
      expected[`hist:${confidenceBucket(s.confidence as number)}`] = (expected[`hist:${confidenceBucket(s.confidence as number)}`] ?? 0) + 1;
    }
    const stats = await redis.client().hgetall(keys.convStats());
    const nonZero = Object.fromEntries(Object.entries(stats).filter(([k, v]) => k !== 'updatedAt' && v !== '0').map(([k, v]) => [k, Number(v)]));
    expect(nonZero).toEqual(expected);
  });

  it('replaces a corrupt state value instead of failing the batch', async () => {
    const { config, client: c } = await connect();
    const keys = createKeys(config.redis.keyPrefix);
    const user = randomUUID();
    await redis.client().set(keys.convState(user), '{"variant":"pricing",');
    const reply = await callApply(c, [{ userId: user, token: 'd/1-0', eventType: 'hover', ts: 1 }], { keys, rules: buildRules(config.conversion), updateCounters: true, nowMs: 1 });
    expect(reply.statuses).toEqual(['reset']);
    expect(await readState(redis.client(), config, user)).toMatchObject({ variant: 'default', confidence: 0.2 });
  });
});

// Record mode (how the consumer runs on a cluster): counters are written from the
// returned deltas, after the call. A call whose reply was lost applied its
// entries: run again (a client re-sending it), or retried naming it, it gives
// its deltas back, once; any other call finding those entries done gives none.
describe('record mode: the deltas of a call whose reply was lost', () => {
  const setup = async () => {
    const { config, client: c } = await connect();
    let n = 0;
    const base = { keys: createKeys(config.redis.keyPrefix), rules: buildRules(config.conversion), updateCounters: false, nowMs: 5 };
    /** A call with an id of its own (or `as`: the same call sent again), as the consumer makes them. */
    const call = (inputs: ApplyInput[], options: { recoverable?: string[]; as?: string } = {}) =>
      callApply(c, inputs, { ...base, callId: options.as ?? `t-${++n}`, recoverable: options.recoverable ?? [] });
    return { call, lastId: () => `t-${n}` };
  };
  const input = (userId: string, id: string, eventType: EngagementEvent['eventType'], ts: number): ApplyInput => ({ userId, token: `2026-12-08/${id}`, eventType, ts });

  it('a retry naming the lost call gets its deltas (a variant and bucket move included), once', async () => {
    const { call, lastId } = await setup();
    const user = randomUUID();
    await call([input(user, '1-0', 'hover', 1000)]);
    // The "lost" call: its reply is the truth the retry must give back.
    const lost = [input(user, '2-0', 'cta_click', 2000), input(user, '3-0', 'form_submit', 3000)];
    const truth = await call(lost);
    const lostId = lastId();
    expect(truth.statuses).toEqual(['applied', 'applied']);
    expect(truth.deltas.get('variant:pricing')).toBe(1);
    const retry = await call(lost, { recoverable: [lostId] });
    expect(retry.statuses).toEqual(['recovered', 'recovered']);
    expect(retry.deltas).toEqual(truth.deltas);
    // Once: a second retry finds nothing to give back.
    const again = await call(lost, { recoverable: [lostId] });
    expect(again.statuses).toEqual(['done-elsewhere', 'done-elsewhere']);
    expect(again.deltas.size).toBe(0);
  });

  it('the same call run again (a client re-sending it after a reconnect) gets its own deltas; a first state gives back the new user', async () => {
    const { call, lastId } = await setup();
    const user = randomUUID();
    const lost = [input(user, '5-0', 'scroll', 1000)];
    const truth = await call(lost);
    expect(truth.deltas.get('users')).toBe(1);
    const resent = await call(lost, { as: lastId() });
    expect(resent.statuses).toEqual(['recovered']);
    expect(resent.deltas).toEqual(truth.deltas);
  });

  it('nothing for another call (another consumer, an earlier run), nor once another call changed the state: never counted twice', async () => {
    const { call, lastId } = await setup();
    const user = randomUUID();
    const lost = [input(user, '7-0', 'scroll', 1000)];
    await call(lost);
    const lostId = lastId();
    const other = await call(lost);
    expect(other.statuses).toEqual(['done-elsewhere']);
    expect(other.deltas.size).toBe(0);
    await call([input(user, '8-0', 'hover', 2000)]);
    const late = await call(lost, { recoverable: [lostId] });
    expect(late.statuses).toEqual(['done-elsewhere']);
    expect(late.deltas.size).toBe(0);
  });
});

describe('library API', () => {
  it('ingestEngagement pipelines concurrent calls into today’s stream with field/value pairs', async () => {
    const { config, client: c } = await connect();
    const keys = createKeys(config.redis.keyPrefix);
    const user = randomUUID();
    const ids = await Promise.all(Array.from({ length: 500 }, (_, i) => ingestEngagement(event(user, 'hover', 1000 + i, { path: '/pricing' }), { redis: c, config })));
    expect(new Set(ids).size).toBe(500);
    const stream = keys.engagementStream(utcDay(Date.now()));
    expect(await redis.client().xlen(stream)).toBe(500);
    const [[, fields]] = (await redis.client().xrange(stream, '-', '+', 'COUNT', 1)) as [[string, string[]]];
    expect(fields).toEqual(['userId', user, 'eventType', 'hover', 'payload', '{"path":"/pricing"}', 'ts', '1000']);
  });

  it('ingestEngagement rejects an invalid event with the field named', async () => {
    const { config, client: c } = await connect();
    const err = await ingestEngagement({ userId: 'x', eventType: 'hover', payload: {}, timestamp: 1 }, { redis: c, config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as Error).message).toBe('invalid engagement event: userId: expected a UUID');
  });

  it('rejects an event over streams.maxEventBytes with EventTooLargeError (an InvalidEventError) and adds nothing', async () => {
    const { config, client: c } = await connect({ streams: { maxEventBytes: 1024 } });
    const stream = createKeys(config.redis.keyPrefix).engagementStream(utcDay(Date.now()));
    const big = event(randomUUID(), 'hover', 1, { path: '/', pad: 'x'.repeat(2000) });
    const err = await ingestEngagement(big, { redis: c, config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EventTooLargeError);
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as EventTooLargeError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/^invalid engagement event: 2\d{3} bytes, over streams.maxEventBytes 1024$/);
    // A batch with one such event adds none of them.
    await expect(ingestEvents([event(randomUUID(), 'hover', 1), big], { redis: c, config })).rejects.toBeInstanceOf(EventTooLargeError);
    expect(await redis.client().xlen(stream)).toBe(0);
    // A payload that cannot be written as JSON is an invalid event too, not a crash.
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(ingestEngagement(event(randomUUID(), 'hover', 1, cyclic), { redis: c, config })).rejects.toThrow(/^invalid engagement event: payload: cannot be written as JSON \(Converting circular structure/);
  });

  it('ingestLines with fromLine continues a run recorded in yesterday’s stream (one that crossed midnight UTC)', async () => {
    const { config, client: c } = await connect();
    const text = `${Array.from({ length: 30 }, (_, i) => JSON.stringify(event(randomUUID(), 'hover', i))).join('\n')}\n`;
    const beforeMidnight = Date.UTC(2026, 11, 8, 23, 59);
    const first = await ingestLines([Buffer.from(text)], { redis: c, config, now: () => beforeMidnight, batchSize: 10 });
    expect(first).toMatchObject({ ingested: 30, certainLine: 30 });
    const resumed = await ingestLines([Buffer.from(text)], { redis: c, config, now: () => beforeMidnight + 10 * 60_000, fromLine: 25 });
    expect(resumed).toMatchObject({ resumed: { runId: first.runId, lastLine: 30 }, ingested: 0, skipped: 30, certainLine: 30 });
    const keys = createKeys(config.redis.keyPrefix);
    expect(await redis.client().xlen(keys.engagementStream('2026-12-08'))).toBe(30);
    expect(await redis.client().exists(keys.engagementStream('2026-12-09'))).toBe(0);
  });

  it('evaluateConversionPath applies the rules atomically and returns the new state', async () => {
    const { config, client: c } = await connect();
    const user = randomUUID();
    const t = 1_764_500_000_000;
    await evaluateConversionPath(user, { eventType: 'hover', payload: {}, timestamp: t }, { redis: c, config });
    const idle = await evaluateConversionPath(user, { eventType: 'hover', payload: {}, timestamp: t + 6000 }, { redis: c, config });
    expect(idle).toEqual({ variant: 'video', confidence: 0.4, lastUpdated: t + 6000, events: 2 });
    // 50 concurrent events: no lost update (the seed's GET-then-SET lost them).
    const other = randomUUID();
    await Promise.all(Array.from({ length: 50 }, (_, i) => evaluateConversionPath(other, { eventType: 'hover', payload: {}, timestamp: t + i }, { redis: c, config })));
    expect(await readState(redis.client(), config, other)).toMatchObject({ events: 50, confidence: 1, variant: 'pricing' });
  });
});

describe('consumer', () => {
  it('applies entries, dead-letters malformed ones with a reason, and acks everything', async () => {
    const { config, client: c, keys, stream } = await connectWithStream();
    const user = randomUUID();
    await ingestEvents([event(user, 'scroll', 1), event(user, 'scroll', 2)], { redis: c, config });
    const raw = redis.client();
    await raw.xadd(stream, '*', 'userId', 'not-a-uuid', 'eventType', 'hover', 'payload', '{}', 'ts', '3');
    await raw.xadd(stream, '*', 'userId', user, 'eventType', 'hover', 'payload', 'oops', 'ts', '4');
    await raw.xadd(stream, '*', 'hello', 'world');
    const totals = await runConsumer(consumerOptions(c, config));
    expect(totals).toMatchObject({ processed: 2, applied: 2, deadLettered: 3 });
    expect(await readState(raw, config, user)).toMatchObject({ variant: 'pricing', confidence: 0.6 });
    const dead = (await raw.xrange(keys.deadLetters(), '-', '+')) as [string, string[]][];
    const reasons = dead.map(([, f]) => f[f.indexOf('reason') + 1]);
    expect(reasons).toEqual(['userId: expected a UUID', 'payload: expected JSON text of an object', 'missing field userId']);
    expect(dead[2]![1]).toEqual(expect.arrayContaining(['hello', 'world', 'sourceStream', stream]) as unknown);
    expect(await raw.hget(keys.convStats(), 'deadLettered')).toBe('3');
    const [pending] = (await raw.xpending(stream, config.streams.group)) as [number];
    expect(pending).toBe(0);
  });

  // Drives the script's single-Redis ack mode by hand; on a cluster, test/faults/consume-cluster.test.ts reclaims.
  it.skipIf(onCluster())('reclaims a crashed consumer’s entries with XAUTOCLAIM and applies each once; a stale copy of an acked entry is skipped', async () => {
    const { config, client: c, keys, stream } = await connectWithStream();
    const users = [randomUUID(), randomUUID()];
    await ingestEvents(
      Array.from({ length: 40 }, (_, i) => event(users[i % 2]!, 'hover', i)),
      { redis: c, config },
    );
    const raw = redis.client();
    await raw.xgroup('CREATE', stream, config.streams.group, '0');
    // "crashed" read 30 entries and applied (and so acked, in the same script call) the first 10.
    const read = (await raw.xreadgroup('GROUP', config.streams.group, 'crashed', 'COUNT', 30, 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
    const rules = buildRules(config.conversion);
    const firstTen = read[0]![1].slice(0, 10).map(([id, f]) => ({ userId: f[1]!, token: id, stream: 0, eventType: 'hover' as const, ts: Number(f[7]) }));
    const ackMode = { keys, rules, group: config.streams.group, consumer: 'crashed', streams: [stream], updateCounters: true, nowMs: 1 };
    expect((await callApply(c, firstTen, ackMode)).statuses).toEqual(Array(10).fill('applied'));
    // A paused consumer holding copies of the same ten entries: all already done, nothing applied twice.
    expect((await callApply(c, firstTen, ackMode)).statuses).toEqual(Array(10).fill('done-elsewhere'));
    await new Promise((r) => setTimeout(r, 30));
    const totals = await runConsumer(consumerOptions(c, config, { reclaimIdleMs: 20 }));
    expect(totals).toMatchObject({ reclaimed: 20, duplicates: 0, applied: 30, processed: 30 });
    for (const u of users) expect(await readState(raw, config, u)).toMatchObject({ events: 20, confidence: 1 });
    expect(await raw.hget(keys.convStats(), 'events')).toBe('40');
    const [pending] = (await raw.xpending(stream, config.streams.group)) as [number];
    expect(pending).toBe(0);
  });

  it('dead-letters an entry delivered more than --max-deliveries times', async () => {
    const { config, client: c, keys, stream } = await connectWithStream();
    await ingestEvents([event(randomUUID(), 'hover', 1)], { redis: c, config });
    const raw = redis.client();
    await raw.xgroup('CREATE', stream, config.streams.group, '0');
    await raw.xreadgroup('GROUP', config.streams.group, 'test-consumer', 'STREAMS', stream, '>');
    for (let i = 0; i < 2; i++) await raw.xreadgroup('GROUP', config.streams.group, 'test-consumer', 'STREAMS', stream, '0');
    // Delivered 3 times; the consumer's own history read makes it 4 > 3.
    const totals = await runConsumer(consumerOptions(c, config, { maxDeliveries: 3 }));
    expect(totals).toMatchObject({ processed: 0, deadLettered: 1 });
    const [[, fields]] = (await raw.xrange(keys.deadLetters(), '-', '+')) as [[string, string[]]];
    expect(fields[fields.indexOf('reason') + 1]).toBe('delivered 4 times, more than --max-deliveries 3');
  });

  it('removes long-idle consumers that own no pending entries, keeps the others', async () => {
    const { config, client: c, stream } = await connectWithStream();
    await ingestEvents([event(randomUUID(), 'hover', 1)], { redis: c, config });
    const raw = redis.client();
    await raw.xgroup('CREATE', stream, config.streams.group, '0');
    await raw.xgroup('CREATECONSUMER', stream, config.streams.group, 'gone-1');
    await raw.xgroup('CREATECONSUMER', stream, config.streams.group, 'gone-2');
    await raw.xreadgroup('GROUP', config.streams.group, 'holding', 'STREAMS', stream, '>');
    await new Promise((r) => setTimeout(r, 60));
    const totals = await runConsumer(consumerOptions(c, config, { forgetIdleMs: 50 }));
    expect(totals.removedConsumers).toBe(2);
    const names = ((await raw.xinfo('CONSUMERS', stream, config.streams.group)) as string[][]).map((c2) => c2[1]);
    expect(names.sort()).toEqual(['holding', 'test-consumer']);
  });

  it('stops between batches when the signal aborts, finishing the batches in flight', async () => {
    const { config, client: c, stream } = await connectWithStream();
    const controller = new AbortController();
    await ingestEvents(Array.from({ length: 2000 }, (_, i) => event(randomUUID(), 'hover', i)), { redis: c, config });
    const totals = await runConsumer(consumerOptions(c, config, { once: false, signal: controller.signal, onBatch: () => controller.abort() }));
    // The batch being applied and those already read are finished and acked; no new one is read.
    expect(totals.processed).toBeGreaterThanOrEqual(100);
    expect(totals.processed).toBeLessThanOrEqual(300);
    expect(totals.processed % 100).toBe(0);
    const [pending] = (await redis.client().xpending(stream, config.streams.group)) as [number];
    expect(pending).toBe(0);
  });
});

describe('OOM on a small maxmemory with noeviction', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer({ args: ['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction'] });
  });
  afterAll(async () => {
    await server.stop();
  });

  /** Creates the groups (XGROUP CREATE is refused under OOM), then adds events until Redis refuses them. */
  async function fillStream(c: RedisClient, config: LaunchConfig, groups: string[]): Promise<string> {
    const stream = createKeys(config.redis.keyPrefix).engagementStream(utcDay(Date.now()));
    for (const group of groups) await c.xgroup('CREATE', stream, group, '0', 'MKSTREAM');
    for (;;) {
      const events = Array.from({ length: 200 }, (_, i) => event(randomUUID(), 'hover', i, { filler: 'x'.repeat(300) }));
      const err = await ingestEvents(events, { redis: c, config }).then(
        () => null,
        (e: unknown) => e,
      );
      if (err) {
        expect(err).toBeInstanceOf(StreamFullError);
        return stream;
      }
    }
  }

  /** maxmemory just under what Redis uses now, so even one more event is refused (afterEach restores it). */
  async function squeeze(raw: Redis): Promise<void> {
    const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))![1]);
    await raw.config('SET', 'maxmemory', String(used - 64 * 1024));
  }
  afterEach(async () => {
    const raw = new Redis(server.url);
    await raw.config('SET', 'maxmemory', '3mb');
    raw.disconnect();
  });

  it('refuses with StreamFullError naming memory, stream, length and lag, and removes no unacked entry', async () => {
    const config = makeConfig({ streams: { maxLen: 1_000_000 } }, server.url, 'oom:');
    const c = await connectRedis(config.redis);
    const raw = new Redis(server.url);
    try {
      const stream = await fillStream(c, config, ['conversion']);
      const length = await raw.xlen(stream);
      // Delivered, not acked: pending entries must stay too.
      await raw.xreadgroup('GROUP', 'conversion', 'c1', 'COUNT', 10, 'STREAMS', stream, '>');
      await squeeze(raw);
      const trims: number[] = [];
      const started = Date.now();
      const err = await ingestEvents([event(randomUUID(), 'hover', 1)], { redis: c, config, onTrim: (t) => trims.push(t.lengthAfter) }).catch((e: unknown) => e);
      expect(err, String(err)).toBeInstanceOf(StreamFullError);
      const full = err as StreamFullError;
      expect(full.message).toMatch(new RegExp(`^Redis is out of memory \\(used_memory [\\d.]+ MiB of maxmemory [\\d.]+ MiB\\): 1 event\\(s\\) not added to ${stream} \\(length ${length}; group conversion: lag ${length - 10}, pending 10\\)$`));
      expect(full.diagnosis).toMatchObject({ length, groups: [{ name: 'conversion', lag: length - 10, pending: 10 }], trimmed: 0 });
      expect(full.exitCode).toBe(3);
      expect(trims).toEqual([]);
      expect(await raw.xlen(stream)).toBe(length);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      raw.disconnect();
      await closeRedis(c);
    }
  });

  it('removes the entries every group acked (and only those) to make room, then succeeds', async () => {
    const config = makeConfig({ streams: { maxLen: 1_000_000 } }, server.url, 'oom2:');
    const raw = new Redis(server.url);
    await deletePrefix(raw, 'oom');
    const c = await connectRedis(config.redis);
    try {
      const stream = await fillStream(c, config, ['a', 'b']);
      const length = await raw.xlen(stream);
      // Group a acks everything; group b only the first half: b decides the cut.
      const all = (await raw.xreadgroup('GROUP', 'a', 'c', 'STREAMS', stream, '>')) as [string, [string, string[]][]][];
      const ids = all[0]![1].map(([id]) => id);
      await raw.xack(stream, 'a', ...ids);
      const half = Math.floor(length / 2);
      await raw.xreadgroup('GROUP', 'b', 'c', 'COUNT', half, 'STREAMS', stream, '>');
      await raw.xack(stream, 'b', ...ids.slice(0, half));
      await squeeze(raw);
      const trims: { lengthAfter: number; minId: string }[] = [];
      const [id] = await ingestEvents([event(randomUUID(), 'hover', 1)], { redis: c, config, onTrim: (t) => trims.push(t) });
      // The cut is group b's last-delivered-id + 1: the first entry b has not been given.
      const [ms, seq] = ids[half - 1]!.split('-');
      expect(trims).toEqual([{ ...trims[0], lengthAfter: length - half, minId: `${ms}-${Number(seq) + 1}` }]);
      const [first] = (await raw.xrange(stream, '-', '+', 'COUNT', 1)) as [[string, string[]]];
      expect(first[0]).toBe(ids[half]);
      expect(await raw.xlen(stream)).toBe(length - half + 1);
      expect(id).toMatch(/^\d+-\d+$/);
    } finally {
      raw.disconnect();
      await closeRedis(c);
    }
  });
});
