// The consumer-group worker behind `launchctl consume`: reads the day streams
// with XREADGROUP, applies each entry on the server (scripts/apply-events.lua),
// dead-letters what cannot be applied, acks, reclaims what crashed consumers
// left pending (XAUTOCLAIM), and forgets long-dead consumer names.
//
// Exactly-once effect on conversion state
// ----------------------------------------
// Redis Streams deliver at least once: an entry stays pending until XACK, and a
// crash between applying it and acking it makes it come back (to this consumer
// reading its history after a restart, or to another one through XAUTOCLAIM).
// So the state itself remembers the entries applied to it, as records
// "<day>/<entry id>" in its `applied` list, and the script skips an entry whose
// record is there. Checking and applying happen in the same script, on the key
// itself, so two consumers holding the same entry (a reclaim racing a slow
// consumer) cannot both apply it.
//
// A per-user high-water mark (skip IDs <= the last applied) would be smaller but
// is wrong here: with several consumers, consumer B may apply a user's entry
// 700 while consumer A still holds that user's entry 300, and after a crash,
// XAUTOCLAIM hands 300 to someone who already applied 700. So the records are a
// set, and the question is when a record may be forgotten. Answer: when its
// entry can never be delivered again. An entry is delivered again only while it
// is in the group's pending entries list (PEL); once acked it never comes back
// (nothing here uses XGROUP SETID, and a consumer is only deleted when it owns
// no pending entries, in one atomic step). Every entry with an ID at or below a
// stream's last-delivered-id has been delivered, so if it is not pending it is
// acked. Hence, with W = min over the day streams of (the smallest pending ID if
// any is pending, else the last-delivered-id), every applied entry with an ID
// below W is acked for good. W only grows: an observation stays true later, so
// a W observed after the previous batch is a safe (slightly conservative) bound
// for the next one. Records below W are pruned when the state is written while
// holding more than 8 (a short list is cheaper to scan than to prune): a state
// keeps at most 8 records or as many as its user had entries since the oldest
// pending entry, whichever is more. Entry IDs are compared across day
// streams; new day streams get IDs from the server clock, above any W observed
// before, so a stream this consumer has not discovered yet cannot hold pending
// entries below W (unless the server clock goes backwards). A cap of
// MAX_APPLIED_RECORDS per state guards memory in pathological cases.
//
// Crash before applying: the entry is still pending, comes back, is applied.
// Crash after applying, before acking: it comes back, its record is in the
// state, it is skipped and acked. Both are exercised by test/e2e/consume-crash.
//
// Counters (conv:stats): on a single Redis the script updates them in the same
// atomic step. On Redis Cluster a script may only touch keys of one slot, and the
// states and the counters hash live in different slots, so the script returns
// the deltas and the consumer writes them right after: eventually consistent (a
// crash in between skews them), repaired by `state --summary --deep --repair`.
import { hostname } from 'node:os';
import { scanKeys, type RedisClient } from '../../adapters/redis.js';
import { findXinfoGroup, flatToRecord, type XinfoGroup } from '../../adapters/redis-replies.js';
import type { LaunchConfig } from '../../config/schema.js';
import { createKeys, utcDay, type Keys } from '../../keys.js';
import { callApply, ensureApplyScript, isCluster, queueApply, type ApplyInput } from './apply.js';
import { checkEntryFields } from './event.js';
import { callScript, ensureScript } from './lua.js';
import { buildRules, type ConversionRules } from './rules.js';
import { appliedRecord, minStreamId, NO_WATERMARK } from './stream-id.js';

/** Entries per script call on a single Redis: a call blocks the server, so keep each short (a few ms). */
const APPLY_CHUNK = 1000;
/** How often the day streams are listed again (new day, streams with leftovers). */
const DISCOVER_EVERY_MS = 30_000;
/** Pause after a failed batch before trying again (its entries stay pending). */
const RETRY_AFTER_ERROR_MS = 1000;

export interface ConsumerOptions {
  /** Connection for commands. */
  client: RedisClient;
  /** Dedicated connection for XREADGROUP BLOCK (mode `blocking`). */
  reader: RedisClient;
  config: LaunchConfig;
  consumer?: string;
  batch: number;
  blockMs: number;
  maxDeliveries: number;
  reclaimIdleMs: number;
  /** Consumers of the group idle this long with no pending entries are removed. */
  forgetIdleMs: number;
  /** Process what is available, then return. */
  once: boolean;
  signal: AbortSignal;
  now?: () => number;
  onBatch?: (totals: ConsumeTotals) => void;
  onWarn?: (text: string) => void;
}

export interface ConsumeTotals {
  consumer: string;
  /** Entries applied or recognised as already applied, and acked. */
  processed: number;
  applied: number;
  /** Entries skipped because the state had already applied them (redeliveries). */
  duplicates: number;
  deadLettered: number;
  /** Entries taken over from other consumers with XAUTOCLAIM. */
  reclaimed: number;
  /** Corrupt state values replaced by a fresh state. */
  corruptReset: number;
  removedConsumers: number;
  startedAt: number;
}

interface Delivered {
  stream: string;
  day: string;
  id: string;
  fields: string[] | null;
  deliveries: number;
}

type RawEntries = [string, string[] | null][];

interface PreparedBatch {
  entries: Delivered[];
  inputs: ApplyInput[];
  dead: { d: Delivered; reason: string }[];
}

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}

export async function runConsumer(options: ConsumerOptions): Promise<ConsumeTotals> {
  const worker = new ConsumerWorker(options);
  return worker.run();
}

class ConsumerWorker {
  private readonly keys: Keys;
  private readonly rules: ConversionRules;
  private readonly group: string;
  private readonly cluster: boolean;
  private readonly now: () => number;
  private readonly totals: ConsumeTotals;
  /** Day streams read: today's plus older ones with pending or undelivered entries. */
  private streams: string[] = [];
  private watermark = NO_WATERMARK;
  /** Acks of the last batch, sent with the next round trip (single Redis). */
  private deferredAcks: (string | number)[][] = [];
  private lastDiscoverAt = 0;
  private lastReclaimAt = 0;
  private discoveredDay = '';

  constructor(private readonly o: ConsumerOptions) {
    this.keys = createKeys(o.config.redis.keyPrefix);
    this.rules = buildRules(o.config.conversion);
    this.group = o.config.streams.group;
    this.cluster = isCluster(o.client);
    this.now = o.now ?? Date.now;
    this.totals = {
      consumer: o.consumer ?? defaultConsumerName(),
      processed: 0,
      applied: 0,
      duplicates: 0,
      deadLettered: 0,
      reclaimed: 0,
      corruptReset: 0,
      removedConsumers: 0,
      startedAt: this.now(),
    };
  }

  async run(): Promise<ConsumeTotals> {
    await ensureApplyScript(this.o.client);
    await this.discover();
    // Own history first (a restart under the same name), then others' stale
    // work, then new entries: one user's entries stay in stream order.
    let drainOwn = true;
    // Three batches overlap: batch N+2 is read (on the reader connection) and
    // N+1 is validated and its script arguments built while the server applies
    // N. Batches are still applied one after another, in order.
    let prefetch: Promise<Delivered[]> | null = null;
    let inFlight: Promise<void> | null = null;
    const settle = async () => {
      const p = inFlight;
      inFlight = null;
      if (p) await p;
    };
    while (!this.o.signal.aborted || prefetch || inFlight) {
      try {
        if (drainOwn) {
          await settle();
          await this.drainOwnPending();
          drainOwn = false;
        }
        // Housekeeping only when no read is in flight: XAUTOCLAIM would otherwise
        // take this consumer's own prefetched batch.
        if (!prefetch && !this.o.signal.aborted && (this.discoverDue() || this.reclaimDue())) {
          await settle();
          if (this.discoverDue()) await this.discover();
          if (this.reclaimDue()) await this.reclaim();
        }
        const entries = prefetch ? await prefetch : this.o.signal.aborted ? [] : await this.readNew();
        prefetch = null;
        if (entries.length === 0) {
          await settle();
          await this.flushAcks();
          if (this.o.once || this.o.signal.aborted) break;
          continue;
        }
        // After a signal, the batches in flight are finished but no new one is read.
        if (!this.o.signal.aborted && !this.discoverDue() && !this.reclaimDue()) prefetch = this.readNew();
        const batch = this.prepare(entries);
        await settle();
        inFlight = this.execute(batch);
        // Its error surfaces at the next settle(); this only keeps Node from calling it unhandled meanwhile.
        inFlight.catch(() => undefined);
      } catch (err) {
        // Batches read but not applied stay pending for this consumer: the history drain re-reads them.
        if (inFlight) await inFlight.catch(() => undefined);
        inFlight = null;
        if (prefetch) await prefetch.catch(() => undefined);
        prefetch = null;
        if (this.o.once) throw err;
        this.o.onWarn?.(`batch failed, retrying in ${RETRY_AFTER_ERROR_MS} ms (its entries stay pending): ${err instanceof Error ? err.message : String(err)}`);
        drainOwn = true;
        await sleep(RETRY_AFTER_ERROR_MS, this.o.signal);
      }
    }
    await settle();
    await this.flushAcks();
    return this.totals;
  }

  private discoverDue(): boolean {
    const nowMs = this.now();
    return nowMs - this.lastDiscoverAt >= DISCOVER_EVERY_MS || utcDay(nowMs) !== this.discoveredDay;
  }

  private reclaimDue(): boolean {
    return this.now() - this.lastReclaimAt >= Math.min(this.o.reclaimIdleMs, DISCOVER_EVERY_MS);
  }

  /** Lists the day streams, creates the group where missing, forgets dead consumers. */
  private async discover(): Promise<void> {
    const nowMs = this.now();
    const today = this.keys.engagementStream(utcDay(nowMs));
    const found = new Set<string>([today]);
    for await (const batch of scanKeys(this.o.client, this.keys.engagementStreamPattern(), 1000, 'stream')) {
      for (const key of batch) if (this.keys.parseStreamDay(key) !== null) found.add(key);
    }
    const active: string[] = [];
    for (const stream of [...found].sort()) {
      await this.ensureGroup(stream);
      const info = await this.readGroupInfo(stream);
      if (stream === today || !info || info.pending > 0 || info.lag !== 0) active.push(stream);
      if (this.o.forgetIdleMs > 0) await this.forgetDeadConsumers(stream);
    }
    this.streams = active;
    this.lastDiscoverAt = nowMs;
    this.discoveredDay = utcDay(nowMs);
  }

  private async ensureGroup(stream: string): Promise<void> {
    try {
      // From the start of the stream: entries written before the group existed are applied too.
      await this.o.client.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
    } catch (err) {
      if (!(err instanceof Error && err.message.startsWith('BUSYGROUP'))) throw err;
    }
  }

  private async readGroupInfo(stream: string): Promise<XinfoGroup | null> {
    return findXinfoGroup(await this.o.client.xinfo('GROUPS', stream), this.group);
  }

  private async forgetDeadConsumers(stream: string): Promise<void> {
    const consumers = (await this.o.client.xinfo('CONSUMERS', stream, this.group)) as unknown[][];
    for (const c of consumers) {
      const info = flatToRecord(c);
      const name = String(info.name);
      if (name === this.totals.consumer || Number(info.pending) > 0 || Number(info.idle) < this.o.forgetIdleMs) continue;
      await ensureScript(this.o.client, 'forgetConsumer');
      if ((await callScript(this.o.client, 'forgetConsumer', [1, stream, this.group, name, this.o.forgetIdleMs])) === 1) this.totals.removedConsumers++;
    }
  }

  /** Entries this consumer name read before and never acked (a restart after a crash). */
  private async drainOwnPending(): Promise<void> {
    // Acks still owed first, or the history read returns those entries again.
    await this.flushAcks();
    for (const stream of this.streams) {
      let cursor = '0';
      while (!this.o.signal.aborted) {
        const reply = (await this.o.client.xreadgroup('GROUP', this.group, this.totals.consumer, 'COUNT', this.o.batch, 'STREAMS', stream, cursor)) as [string, RawEntries][] | null;
        const raw = reply?.[0]?.[1] ?? [];
        if (raw.length === 0) break;
        const entries = await this.withDeliveries(stream, raw);
        await this.process(entries);
        cursor = raw[raw.length - 1]![0];
      }
    }
  }

  /** XAUTOCLAIM: pending entries idle longer than --reclaim-idle, whoever holds them. */
  private async reclaim(): Promise<void> {
    this.lastReclaimAt = this.now();
    await this.flushAcks();
    for (const stream of this.streams) {
      let start = '0-0';
      do {
        if (this.o.signal.aborted) return;
        const [next, raw] = (await this.o.client.xautoclaim(stream, this.group, this.totals.consumer, this.o.reclaimIdleMs, start, 'COUNT', this.o.batch)) as [string, RawEntries, string[]?];
        // Entries trimmed while pending come back in the third element; Redis 7 already dropped them from the PEL.
        if (raw.length > 0) {
          this.totals.reclaimed += raw.length;
          await this.process(await this.withDeliveries(stream, raw));
        }
        start = next;
      } while (start !== '0-0');
    }
  }

  private async readNew(): Promise<Delivered[]> {
    if (this.streams.length === 0) return [];
    const block = this.o.once ? [] : ['BLOCK', this.o.blockMs];
    let reply: [string, RawEntries][] | null = null;
    if (this.cluster && this.streams.length > 1) {
      // One XREADGROUP may only name keys of one slot: older streams first
      // without blocking, then today's (the last one) with BLOCK.
      for (let i = 0; i < this.streams.length && !reply; i++) {
        const last = i === this.streams.length - 1;
        const args = ['GROUP', this.group, this.totals.consumer, 'COUNT', this.o.batch, ...(last ? block : []), 'STREAMS', this.streams[i]!, '>'];
        reply = (await this.o.reader.call('XREADGROUP', ...args)) as [string, RawEntries][] | null;
      }
    } else {
      const args = ['GROUP', this.group, this.totals.consumer, 'COUNT', this.o.batch, ...block, 'STREAMS', ...this.streams, ...this.streams.map(() => '>')];
      reply = (await this.o.reader.call('XREADGROUP', ...args)) as [string, RawEntries][] | null;
    }
    const out: Delivered[] = [];
    for (const [stream, raw] of reply ?? []) {
      const day = this.keys.parseStreamDay(stream) ?? '';
      for (const [id, fields] of raw) out.push({ stream, day, id, fields, deliveries: 1 });
    }
    return out;
  }

  /** Delivery counts of entries read from history or reclaimed (XPENDING over their range). */
  private async withDeliveries(stream: string, raw: RawEntries): Promise<Delivered[]> {
    const day = this.keys.parseStreamDay(stream) ?? '';
    const first = raw[0]![0];
    const last = raw[raw.length - 1]![0];
    const pending = (await this.o.client.xpending(stream, this.group, first, last, raw.length, this.totals.consumer)) as [string, string, number, number][];
    const counts = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
    return raw.map(([id, fields]) => ({ stream, day, id, fields, deliveries: counts.get(id) ?? 1 }));
  }

  /** Applies, dead-letters and acks one batch. Throws (nothing acked) when applying fails. */
  private async process(entries: Delivered[]): Promise<void> {
    await this.execute(this.prepare(entries));
  }

  /** Validation and script arguments: CPU only, so it can run while the server applies the previous batch. */
  private prepare(entries: Delivered[]): PreparedBatch {
    const inputs: ApplyInput[] = [];
    const dead: { d: Delivered; reason: string }[] = [];
    for (const d of entries) {
      if (d.deliveries > this.o.maxDeliveries) {
        dead.push({ d, reason: `delivered ${d.deliveries} times, more than --max-deliveries ${this.o.maxDeliveries}` });
        continue;
      }
      const check = checkEntryFields(d.fields);
      if (!check.ok) {
        dead.push({ d, reason: check.reason });
        continue;
      }
      inputs.push({ userId: check.entry.userId, record: appliedRecord(d.day, d.id), eventType: check.entry.eventType, ts: check.entry.ts });
    }
    return { entries, inputs, dead };
  }

  private async execute({ entries, inputs, dead }: PreparedBatch): Promise<void> {
    const nowMs = this.now();
    let statuses = '';
    if (this.cluster) {
      if (inputs.length > 0) statuses = await this.applyOnCluster(inputs, nowMs);
      if (dead.length > 0) await this.deadLetter(dead);
      const results = await this.send([...this.ackCommands(entries, dead.length), ...this.observeCommands()]);
      this.observeWatermark(results, results.length - 2 * this.streams.length);
    } else {
      statuses = await this.applyOnSingle(inputs, dead, entries, nowMs);
    }
    for (const s of statuses) {
      if (s === 'd') this.totals.duplicates++;
      else this.totals.applied++;
      if (s === 'r') this.totals.corruptReset++;
    }
    this.totals.processed += inputs.length;
    this.totals.deadLettered += dead.length;
    this.o.onBatch?.(this.totals);
  }

  /**
   * One round trip on a single Redis: the previous batch's acks, this batch's
   * script calls and dead letters, and what the next watermark needs. This
   * batch's acks wait for the next round trip (or flushAcks): acking late is
   * safe, since a redelivered entry is recognised by its state, and it saves a
   * round trip per batch.
   */
  private async applyOnSingle(inputs: ApplyInput[], dead: { d: Delivered; reason: string }[], entries: Delivered[], nowMs: number): Promise<string> {
    const pipeline = this.o.client.pipeline();
    const acks = this.deferredAcks;
    this.deferredAcks = [];
    for (const [name, ...args] of acks) pipeline.call(String(name), ...args);
    let scriptCalls = 0;
    for (let i = 0; i < inputs.length; i += APPLY_CHUNK, scriptCalls++) {
      queueApply(pipeline, inputs.slice(i, i + APPLY_CHUNK), { keys: this.keys, rules: this.rules, watermark: this.watermark, updateCounters: true, nowMs });
    }
    for (const command of this.deadLetterCommands(dead)) pipeline.call(String(command[0]), ...command.slice(1));
    for (const [name, ...args] of this.observeCommands()) pipeline.call(String(name), ...args);
    const results = ((await pipeline.exec()) ?? []) as [Error | null, unknown][];
    // A failed ack leaves entries pending: they come back and are recognised. Say so, go on.
    const ackError = results.slice(0, acks.length).find(([err]) => err)?.[0];
    if (ackError) this.o.onWarn?.(`ack failed, the entries will be redelivered and skipped: ${ackError.message}`);
    let statuses = '';
    for (const [err, reply] of results.slice(acks.length, acks.length + scriptCalls)) {
      if (err) throw err;
      statuses += (reply as [string])[0];
    }
    for (const [err] of results.slice(acks.length + scriptCalls, acks.length + scriptCalls + dead.length)) if (err) throw err;
    this.observeWatermark(results, results.length - 2 * this.streams.length);
    this.deferredAcks = this.ackCommands(entries, dead.length);
    return statuses;
  }

  /** Sends the acks still owed (before waiting for new entries, and before returning). */
  private async flushAcks(): Promise<void> {
    if (this.deferredAcks.length === 0) return;
    const acks = this.deferredAcks;
    this.deferredAcks = [];
    const results = await this.send(acks);
    const ackError = results.find(([err]) => err)?.[0];
    if (ackError) this.o.onWarn?.(`ack failed, the entries will be redelivered and skipped: ${ackError.message}`);
  }

  /** One script call per user (a call may touch one slot only), counters written after. */
  private async applyOnCluster(inputs: ApplyInput[], nowMs: number): Promise<string> {
    const byUser = new Map<string, number[]>();
    inputs.forEach((input, i) => {
      const list = byUser.get(input.userId);
      if (list) list.push(i);
      else byUser.set(input.userId, [i]);
    });
    const statuses = new Array<string>(inputs.length);
    const deltas = new Map<string, number>();
    await Promise.all(
      [...byUser.values()].map(async (indexes) => {
        const reply = await callApply(
          this.o.client,
          indexes.map((i) => inputs[i]!),
          { keys: this.keys, rules: this.rules, watermark: this.watermark, updateCounters: false, nowMs },
        );
        indexes.forEach((i, k) => (statuses[i] = reply.statuses[k]!));
        for (const [field, delta] of reply.deltas) deltas.set(field, (deltas.get(field) ?? 0) + delta);
      }),
    );
    if (deltas.size > 0) {
      const stats = this.keys.convStats();
      await Promise.all([...[...deltas].map(([field, delta]) => this.o.client.hincrby(stats, field, delta)), this.o.client.hset(stats, 'updatedAt', nowMs)]);
    }
    return statuses.join('');
  }

  private deadLetterCommands(dead: { d: Delivered; reason: string }[]): (string | number)[][] {
    const target = this.keys.deadLetters();
    const maxLen = this.o.config.streams.maxLen;
    return dead.map(({ d, reason }) => ['xadd', target, 'MAXLEN', '~', maxLen, '*', ...(d.fields ?? []), 'reason', reason, 'sourceStream', d.stream, 'sourceId', d.id]);
  }

  private async deadLetter(dead: { d: Delivered; reason: string }[]): Promise<void> {
    const results = await this.send(this.deadLetterCommands(dead));
    for (const [err] of results) if (err) throw err;
  }

  /** XACK per stream for a batch, and the dead-letter counter. */
  private ackCommands(entries: Delivered[], deadCount: number): (string | number)[][] {
    const idsByStream = new Map<string, string[]>();
    for (const d of entries) {
      const ids = idsByStream.get(d.stream);
      if (ids) ids.push(d.id);
      else idsByStream.set(d.stream, [d.id]);
    }
    const commands: (string | number)[][] = [...idsByStream].map(([stream, ids]) => ['xack', stream, this.group, ...ids]);
    if (deadCount > 0) commands.push(['hincrby', this.keys.convStats(), 'deadLettered', deadCount]);
    return commands;
  }

  /** XPENDING summary and XINFO GROUPS of each stream: what the watermark is computed from. */
  private observeCommands(): (string | number)[][] {
    return this.streams.flatMap((stream) => [
      ['xpending', stream, this.group],
      ['xinfo', 'GROUPS', stream],
    ]);
  }

  /** The watermark from observeCommands' replies (starting at `from`); see the header. */
  private observeWatermark(results: [Error | null, unknown][], from: number): void {
    const bounds: string[] = [];
    for (let i = 0; i < this.streams.length; i++) {
      const [pErr, summary] = results[from + 2 * i] ?? [new Error('no reply')];
      const [gErr, groups] = results[from + 2 * i + 1] ?? [new Error('no reply')];
      if (pErr || gErr) return; // keep the previous (lower, still safe) watermark
      const [count, minId] = summary as [number, string | null];
      if (Number(count) > 0 && minId) {
        bounds.push(minId);
        continue;
      }
      const info = findXinfoGroup(groups, this.group);
      if (!info) return;
      bounds.push(info.lastDeliveredId);
    }
    const w = minStreamId(bounds);
    if (w) this.watermark = w;
  }

  /** A pipeline on a single Redis; on a Cluster (keys in several slots) commands sent side by side. */
  private async send(commands: (string | number)[][]): Promise<[Error | null, unknown][]> {
    if (!this.cluster) return ((await this.o.client.pipeline(commands).exec()) ?? []);
    return Promise.all(
      commands.map(([name, ...args]) =>
        this.o.client.call(String(name), ...args).then(
          (value): [Error | null, unknown] => [null, value],
          (err: Error): [Error | null, unknown] => [err, undefined],
        ),
      ),
    );
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
