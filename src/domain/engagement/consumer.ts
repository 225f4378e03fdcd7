// The consumer-group worker behind `launchctl consume`: reads the day streams
// with XREADGROUP, applies each entry on the server (scripts/apply-events.lua),
// dead-letters what cannot be applied, reclaims what stalled consumers left
// pending (XAUTOCLAIM), forgets long-dead consumer names, and rides out the
// faults of a launch day: a Redis restarted without persistence (the group is
// re-created), a window of OOM / READONLY / LOADING (the batch is held and
// retried with backoff, never counted against --max-deliveries), a lost
// connection, a consumer paused longer than --reclaim-idle.
//
// Exactly-once effect on conversion state (docs/consume.md has the argument)
// --------------------------------------------------------------------------
// Redis Streams deliver at least once: an entry stays pending until XACK, and it
// comes back after a crash (to this consumer reading its history after a
// restart, or to another one through XAUTOCLAIM), while a paused consumer may
// still hold copies in memory that another consumer has since completed.
//
// Single Redis (ack mode): the script applies an entry only when it is still
// pending for this consumer (XPENDING over the batch's range, by consumer) and
// acks it in the same atomic step. Every other copy (a redelivery, a reclaim
// racing a slow consumer, a paused consumer's batch whose entries another
// consumer took over) finds it not pending for itself and skips it. Nothing is
// kept in the state for this.
//
// Redis Cluster (record mode): a script may only touch one slot, and the stream
// and the states live in different slots, so the state keeps "<day>/<id>"
// records of the entries applied to it and the script skips an entry whose
// record is there. A record may be forgotten once its entry can never be
// delivered again: an entry is delivered again only while it is pending, and
// with W = min over the day streams of (the smallest pending ID, else the
// last-delivered-id), every entry below W is acked for good (W only grows, so
// an observation from the previous batch is a safe bound). What records cannot
// cover is a consumer paused while holding copies of entries that another
// consumer reclaimed, applied, acked and whose records were then pruned. So each
// read is stamped with the server's TIME taken before it, and the script
// refuses to write once the server clock passes stamp + --reclaim-idle - a
// margin: an entry can only be reclaimed after it was idle --reclaim-idle, so a
// call that passes the fence ran before any reclaim of its entries, while their
// records were still protected by W. The margin covers clock skew between nodes.
// A failover can lose writes a master acknowledged (replication is
// asynchronous): so the states' masters confirm with WAIT before a batch is
// acked, and W moves only past what a replica of each stream's master holds
// (a fence write after the observation, confirmed with WAIT).
//
// Counters (conv:stats): on a single Redis the script updates them in the same
// atomic step. On a Cluster the script returns the deltas and the consumer
// writes them right after: eventually consistent (a crash in between skews
// them), repaired by `state --summary --deep --repair`.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { masterOfKey, replicated, scanKeys, withRedis, type RedisClient, type RedisMode } from '../../adapters/redis.js';
import { isClusterClient, isCommandTimeout, isConnectionError, isTransientRedisError, replyErrorCode } from '../../adapters/redis-errors.js';
import { findXinfoGroup, flatToRecord, parseXinfoStream, type XinfoGroup } from '../../adapters/redis-replies.js';
import type { LaunchConfig } from '../../config/schema.js';
import { createKeys, utcDay, type Keys } from '../../keys.js';
import { sleep } from '../../util/sleep.js';
import { fullJitterDelayMs } from '../../util/backoff.js';
import { APPLY_EVENTS, appliedRecord, buildApplyArgs, callApply, NO_WATERMARK, parseApplyReply, type ApplyInput, type ApplyReply, type ApplyStatus } from './apply.js';
import { checkEntryFields } from './event.js';
import { evalScript, luaScript, prepareScripts, runScript } from '../../adapters/lua.js';
import { sendCommands, type RedisCommand } from '../../adapters/redis-commands.js';
import { buildRules, type ConversionRules } from './rules.js';
import { compareStreamIds, minStreamId } from '../../adapters/stream-id.js';

/** Entries per script call on a single Redis: a call blocks the server, so keep each short (a few ms). */
const APPLY_CHUNK = 1000;
/** How often the day streams are listed again (new day, streams with leftovers). */
const DISCOVER_EVERY_MS = 30_000;
/** Pause after a failure that is not Redis refusing for a while (a bug, a poison reply). */
const RETRY_AFTER_ERROR_MS = 1000;
/** Backoff while Redis refuses work (OOM, READONLY, LOADING, a lost connection): full jitter, capped. */
/** How long the watermark waits for a replica to confirm a batch's acks (Cluster record mode); past it, the watermark stays where it was. */
const REPLICA_WAIT_MS = 500;
/** The fence key's lifetime: only its write matters, not its value. */
const FENCE_TTL_MS = 60_000;
/** scripts/forget-consumer.lua: KEYS[1] the day stream. */
const FORGET_CONSUMER = luaScript('forgetConsumer', import.meta.url, 'scripts/forget-consumer.lua', 1);
/** scripts/pay-deltas.lua: KEYS[1] conv:stats. */
const PAY_DELTAS = luaScript('payDeltas', import.meta.url, 'scripts/pay-deltas.lua', 1);
const BACKOFF = { baseDelayMs: 100, maxDelayMs: 5000 };
/** Clock skew allowed between Cluster nodes by the paused-consumer fence (see the header). */
const FENCE_MARGIN_MS = 1000;

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
  random?: () => number;
  onBatch?: (totals: ConsumeTotals) => void;
  /** One line per change of state (Redis refusing, recovered, group re-created), never one per retry. */
  onWarn?: (text: string) => void;
}

export interface ConsumeTotals {
  consumer: string;
  /** Entries applied, or found done by another consumer (dead letters are counted apart). */
  processed: number;
  applied: number;
  /** Entries another consumer had already completed (a reclaim racing this one, a paused batch). */
  duplicates: number;
  deadLettered: number;
  /** Entries taken over from other consumers with XAUTOCLAIM. */
  reclaimed: number;
  /** Corrupt state values replaced by a fresh state. */
  corruptReset: number;
  removedConsumers: number;
  /** Groups re-created after Redis lost them (a restart without persistence, a deleted stream). */
  groupsRecreated: number;
  /** Times Redis refused work for a while (OOM, READONLY, LOADING, lost connection) and the batch was held. */
  refusals: number;
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

/** Entries read together, with the server time taken before the read (the Cluster fence). */
interface Batch {
  entries: Delivered[];
  readAtServerMs: number;
}

type ReadOutcome = { ok: true; batch: Batch } | { ok: false; error: unknown };

/** The group vanished under a read or an ack: Redis restarted without persistence, or someone deleted it. */
class GroupLostError extends Error {
  override name = 'GroupLostError';
}

/** A blocking read ended by the client's deadline: Redis is silent (transient, like a command timeout). */
class ReaderSilentError extends Error {
  override name = 'ReaderSilentError';
}

/** On a Cluster, a batch held past its fence: the entries may have been reclaimed by now. */
class StaleBatchError extends Error {
  override name = 'StaleBatchError';
}

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}`;
}

export async function runConsumer(options: ConsumerOptions): Promise<ConsumeTotals> {
  const worker = new ConsumerWorker(options);
  return worker.run();
}

export interface ConsumeOptions extends Omit<ConsumerOptions, 'client' | 'reader'> {
  /** Open connections to use (and leave open); when absent, both are connected from config.redis and closed after. */
  client?: RedisClient;
  reader?: RedisClient;
}

/**
 * The `consume` executor: the connections, then the worker. --once fails fast
 * like any one-shot command. A long run rides out restarts: commands reconnect
 * forever but fail fast (and by redis.commandTimeoutMs) while Redis is away, so
 * the worker can back off and say so; the reader's XREADGROUP BLOCK gets its
 * block time plus the deadline.
 */
export async function runConsume(options: ConsumeOptions): Promise<ConsumeTotals> {
  const { config, once } = options;
  const open = async <T>(given: RedisClient | undefined, mode: RedisMode, fn: (client: RedisClient) => Promise<T>) =>
    given ? fn(given) : withRedis(config.redis, fn, { mode });
  return open(options.client, once ? 'oneshot' : 'patient', (client) =>
    open(options.reader, once ? 'oneshot' : 'blocking', (reader) => runConsumer({ ...options, client, reader })),
  );
}

class ConsumerWorker {
  private readonly keys: Keys;
  private readonly rules: ConversionRules;
  private readonly group: string;
  private readonly cluster: boolean;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly totals: ConsumeTotals;
  /** Day streams read: today's plus older ones with pending or undelivered entries. */
  private streams: string[] = [];
  /** Highest entry ID this consumer read per stream: where a lost group is re-created. */
  private readonly highWater = new Map<string, string>();
  private watermark = NO_WATERMARK;
  private lastDiscoverAt = 0;
  private lastReclaimAt = 0;
  private discoveredDay = '';
  /** Set while Redis refuses work: since when, and why (for the one line when it recovers). */
  private refusing: { since: number; attempts: number } | null = null;
  /** The last error XACK answered with inside the script. */
  private ackError = '';
  /** The reader's connection closed since the last look (see run). */
  private readerLost = false;
  /** Cluster: counter deltas of applied entries not yet added to conv:stats (its write failed); see payOwedDeltas. */
  private readonly owedDeltas = new Map<string, number>();
  /** Cluster: "<stream> <id>" of entries sent in a script call that got no reply (it may have run). */
  /** "<stream> <id>" of entries sent in a call whose reply never came → that call's id. */
  private readonly uncertain = new Map<string, string>();
  private calls = 0;
  /** The payment of counter deltas in flight (sent, not confirmed), and how many this run made. */
  private payment: { mark: string; deltas: [string, number][] } | undefined;
  private payments = 0;
  /** Tells this process's call ids from those of an earlier run under the same consumer name. */
  private readonly runTag = randomBytes(4).toString('hex');

  constructor(private readonly o: ConsumerOptions) {
    this.keys = createKeys(o.config.redis.keyPrefix);
    this.rules = buildRules(o.config.conversion);
    this.group = o.config.streams.group;
    this.cluster = isClusterClient(o.client);
    this.now = o.now ?? Date.now;
    this.random = o.random ?? Math.random;
    this.totals = {
      consumer: o.consumer ?? defaultConsumerName(),
      processed: 0,
      applied: 0,
      duplicates: 0,
      deadLettered: 0,
      reclaimed: 0,
      corruptReset: 0,
      removedConsumers: 0,
      groupsRecreated: 0,
      refusals: 0,
      startedAt: this.now(),
    };
  }

  async run(): Promise<ConsumeTotals> {
    // A reader connection that closed may have lost the reply of a read that
    // Redis served: those entries are pending for this consumer, unseen.
    const onReaderClose = () => {
      this.readerLost = true;
    };
    this.o.reader.on('close', onReaderClose);
    try {
      return await this.loop();
    } finally {
      this.o.reader.off('close', onReaderClose);
    }
  }

  private async loop(): Promise<ConsumeTotals> {
    prepareScripts(this.o.client, APPLY_EVENTS, FORGET_CONSUMER);
    // Own history first (a restart under the same name), then others' stale
    // work, then new entries: one user's entries stay in stream order. After a
    // crash the re-read counts a delivery (a poison entry that kills the process
    // ends in the dead letters); after a lost connection or a silence of a live
    // consumer, it does not ('quiet').
    let drainOwn: 'no' | 'counting' | 'quiet' = 'counting';
    let needDiscover = true;
    // A batch read but not yet applied because Redis refused it: retried as it
    // is, never re-read (a re-read would count as another delivery).
    let held: Batch | null = null;
    // The next batch, read on the reader connection while the server applies the
    // current one. Settled into an outcome, so it never rejects unhandled.
    let next: Promise<ReadOutcome> | null = null;
    const dropNext = async () => {
      const p = next;
      next = null;
      if (p) await p;
    };
    for (;;) {
      const aborted = this.o.signal.aborted;
      // After a signal, the batches already read are finished but no new one is read.
      if (aborted && !held && !next) break;
      try {
        if (!aborted && !held && !next) {
          if (needDiscover || this.discoverDue()) {
            await this.discover();
            needDiscover = false;
          }
          if (this.readerLost) {
            this.readerLost = false;
            if (drainOwn === 'no') drainOwn = 'quiet';
          }
          if (drainOwn !== 'no') {
            await this.drainOwnPending(drainOwn === 'quiet');
            drainOwn = 'no';
          }
          if (this.reclaimDue()) await this.reclaim();
        }
        let batch: Batch;
        if (held) batch = held;
        else if (next) {
          const outcome = await next;
          next = null;
          if (!outcome.ok) throw outcome.error;
          batch = outcome.batch;
        } else batch = await this.readNew();
        if (batch.entries.length === 0) {
          if (this.owesCounters()) await this.payOwedDeltas(this.now());
          this.recovered();
          if (this.o.once || this.o.signal.aborted) break;
          continue;
        }
        held = batch;
        if (!this.o.signal.aborted && !next && !this.discoverDue() && !this.reclaimDue()) next = this.readSettled();
        await this.process(batch);
        held = null;
        this.recovered();
      } catch (err) {
        if (err instanceof GroupLostError || replyErrorCode(err) === 'NOGROUP') {
          // The entries held were delivered by a group that no longer exists: nothing to ack them in.
          held = null;
          await dropNext();
          needDiscover = true;
          this.o.onWarn?.(`the consumer group ${this.group} is gone (Redis restarted without persistence, or the stream or group was deleted): re-creating it`);
          continue;
        }
        if (err instanceof StaleBatchError) {
          held = null;
          await dropNext();
          drainOwn = 'counting';
          this.o.onWarn?.(err.message);
          continue;
        }
        // An ACL that forbids a command or key does not pass: stop (exit 3 naming what to grant).
        if (replyErrorCode(err) === 'NOPERM') {
          await dropNext();
          throw err;
        }
        if (this.o.once) {
          await dropNext();
          throw err;
        }
        if (!(isTransientRedisError(err) || err instanceof ReaderSilentError)) {
          // Not Redis refusing for a while: a poison reply or a bug. The entries stay
          // pending; re-reading them counts a delivery, so a poison entry ends in the dead letters.
          held = null;
          await dropNext();
          drainOwn = 'counting';
          this.o.onWarn?.(`batch failed, retrying in ${RETRY_AFTER_ERROR_MS} ms (its entries stay pending): ${describe(err)}`);
          await sleep(RETRY_AFTER_ERROR_MS, this.o.signal);
          continue;
        }
        // After silence anything may have been delivered without its reply reaching
        // this consumer: its own pending entries are read again before new ones.
        if ((err instanceof ReaderSilentError || isCommandTimeout(err) || isConnectionError(err)) && drainOwn === 'no') drainOwn = 'quiet';
        await this.backOff(err);
        // A batch that was never read (the read itself failed) leaves nothing held;
        // the housekeeping that failed runs again.
        if (!held) await dropNext();
      }
    }
    if (this.owesCounters()) {
      // Stopping: one last try, else say what `state --summary --deep --repair` will have to recount.
      await this.payOwedDeltas(this.now()).catch((err: unknown) => this.o.onWarn?.(`the counters in ${this.keys.convStats()} could not be updated (${describe(err)}): \`launchctl state --summary --deep --repair\` recounts them`));
    }
    return this.totals;
  }

  /** Redis refuses for now: say so once, wait (capped exponential, full jitter), try the same work again. */
  private async backOff(err: unknown): Promise<void> {
    if (!this.refusing) {
      this.refusing = { since: this.now(), attempts: 0 };
      this.totals.refusals++;
      this.o.onWarn?.(`Redis refuses the work for now (${describe(err)}): holding the batch and retrying with backoff; nothing is dead-lettered for this`);
    }
    this.refusing.attempts++;
    await sleep(Math.max(50, fullJitterDelayMs(this.refusing.attempts, BACKOFF, this.random)), this.o.signal);
  }

  private recovered(): void {
    if (!this.refusing) return;
    const seconds = ((this.now() - this.refusing.since) / 1000).toFixed(1);
    this.o.onWarn?.(`Redis accepts the work again after ${seconds} s (${this.refusing.attempts} retries); carrying on`);
    this.refusing = null;
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
      const info = await this.ensureGroup(stream);
      if (stream === today || !info || info.pending > 0 || info.lag !== 0) active.push(stream);
      if (this.o.forgetIdleMs > 0) await this.forgetDeadConsumers(stream);
    }
    this.streams = active;
    this.lastDiscoverAt = nowMs;
    this.discoveredDay = utcDay(nowMs);
  }

  /**
   * The group's info, after creating the group where it is missing. A group this
   * consumer was reading from and lost is re-created after the last entry it
   * read (entries up to there were delivered before the loss); a new one from
   * the start of the stream, so events ingested before the first `consume` count.
   */
  private async ensureGroup(stream: string): Promise<XinfoGroup | null> {
    let info = await this.readGroupInfo(stream);
    if (info) return info;
    let start = '0';
    const seen = this.highWater.get(stream);
    if (seen) {
      // A stream that was itself lost starts again below what this consumer saw: then from 0.
      const last = await this.lastGeneratedId(stream);
      if (last && compareStreamIds(seen, last) <= 0) start = seen;
    }
    try {
      await this.o.client.xgroup('CREATE', stream, this.group, start, 'MKSTREAM');
      if (seen) {
        this.totals.groupsRecreated++;
        this.o.onWarn?.(`re-created group ${this.group} on ${stream} from ${start === '0' ? 'the start of the stream' : `entry ${start}`}`);
      }
    } catch (err) {
      if (replyErrorCode(err) !== 'BUSYGROUP') throw err;
    }
    info = await this.readGroupInfo(stream);
    return info;
  }

  private async lastGeneratedId(stream: string): Promise<string | null> {
    try {
      return parseXinfoStream(await this.o.client.xinfo('STREAM', stream)).lastGeneratedId;
    } catch (err) {
      if (/no such key/i.test(err instanceof Error ? err.message : '')) return null;
      throw err;
    }
  }

  private async readGroupInfo(stream: string): Promise<XinfoGroup | null> {
    try {
      return findXinfoGroup(await this.o.client.xinfo('GROUPS', stream), this.group);
    } catch (err) {
      // XINFO GROUPS of a key that does not exist.
      if (/no such key/i.test(err instanceof Error ? err.message : '')) return null;
      throw err;
    }
  }

  private async forgetDeadConsumers(stream: string): Promise<void> {
    const consumers = (await this.o.client.xinfo('CONSUMERS', stream, this.group)) as unknown[][];
    for (const c of consumers) {
      const info = flatToRecord(c);
      const name = String(info.name);
      if (name === this.totals.consumer || Number(info.pending) > 0 || Number(info.idle) < this.o.forgetIdleMs) continue;
      if ((await runScript(this.o.client, FORGET_CONSUMER, [stream, this.group, name, this.o.forgetIdleMs])) === 1) this.totals.removedConsumers++;
    }
  }

  /**
   * Entries this consumer name read before and never acked: after a restart
   * (re-read with XREADGROUP from 0, which counts a delivery), or, `quiet`,
   * after a lost connection or a silence of this live consumer (listed with
   * XPENDING and fetched with XRANGE: no delivery is counted for it).
   */
  private async drainOwnPending(quiet: boolean): Promise<void> {
    for (const stream of this.streams) {
      let cursor = '0';
      while (!this.o.signal.aborted) {
        const readAtServerMs = await this.serverTime();
        if (quiet) {
          const batch = await this.readOwnPendingQuietly(stream, cursor, readAtServerMs);
          if (!batch) break;
          await this.processHeld(batch);
          cursor = `(${batch.entries[batch.entries.length - 1]!.id}`;
          continue;
        }
        const reply = (await this.o.client.xreadgroup('GROUP', this.group, this.totals.consumer, 'COUNT', this.o.batch, 'STREAMS', stream, cursor)) as [string, RawEntries][] | null;
        const raw = reply?.[0]?.[1] ?? [];
        if (raw.length === 0) break;
        await this.processHeld({ entries: await this.withDeliveries(stream, raw), readAtServerMs });
        cursor = raw[raw.length - 1]![0];
      }
    }
  }

  /** Up to --batch of this consumer's pending entries from `start`, without counting a delivery; null when none. */
  private async readOwnPendingQuietly(stream: string, start: string, serverNowMs: number): Promise<Batch | null> {
    const from = start === '0' ? '-' : start;
    const pending = (await this.o.client.xpending(stream, this.group, from, '+', this.o.batch, this.totals.consumer)) as [string, string, number, number][];
    if (pending.length === 0) return null;
    const fetched = await this.send(pending.map(([id]) => ['xrange', stream, id, id]));
    const day = this.keys.parseStreamDay(stream) ?? '';
    const entries: Delivered[] = pending.map(([id, , , deliveries], i) => {
      const [err, reply] = fetched[i]!;
      if (err) throw err;
      // A pending entry deleted from the stream since (trim --force) reads as null fields: dead-lettered as deleted.
      const found = (reply as RawEntries)[0];
      return { stream, day, id, fields: found ? found[1] : null, deliveries: Number(deliveries) };
    });
    this.noteRead(stream, entries[entries.length - 1]!.id);
    // The fence counts from the last delivery of these entries, not from now.
    const idleMax = Math.max(...pending.map(([, , idle]) => Number(idle)));
    return { entries, readAtServerMs: serverNowMs - idleMax };
  }

  /** XAUTOCLAIM: pending entries idle longer than --reclaim-idle, whoever holds them. */
  private async reclaim(): Promise<void> {
    for (const stream of this.streams) {
      let start = '0-0';
      do {
        if (this.o.signal.aborted) return;
        const readAtServerMs = await this.serverTime();
        const [nextStart, raw] = (await this.o.client.xautoclaim(stream, this.group, this.totals.consumer, this.o.reclaimIdleMs, start, 'COUNT', this.o.batch)) as [string, RawEntries, string[]?];
        // Entries trimmed while pending come back in the third element; Redis 7 already dropped them from the PEL.
        if (raw.length > 0) {
          this.totals.reclaimed += raw.length;
          await this.processHeld({ entries: await this.withDeliveries(stream, raw), readAtServerMs });
        }
        start = nextStart;
      } while (start !== '0-0');
    }
    this.lastReclaimAt = this.now();
  }

  /**
   * Processes a batch read outside the main loop (history, reclaims), holding it
   * through refusals like the main loop does: a re-read would count a delivery.
   */
  private async processHeld(batch: Batch): Promise<void> {
    for (;;) {
      try {
        await this.process(batch);
        this.recovered();
        return;
      } catch (err) {
        if (this.o.once || !isTransientRedisError(err) || this.o.signal.aborted) throw err;
        await this.backOff(err);
      }
    }
  }

  private async readSettled(): Promise<ReadOutcome> {
    try {
      return { ok: true, batch: await this.readNew() };
    } catch (error) {
      return { ok: false, error };
    }
  }

  private async readNew(): Promise<Batch> {
    const readAtServerMs = await this.serverTime();
    if (this.streams.length === 0) return { entries: [], readAtServerMs };
    let blockMs = this.o.blockMs;
    const startedAt = this.now();
    let reply: [string, RawEntries][] | null = null;
    // The fence counts from before the read: on a Cluster a long BLOCK would eat into it.
    if (this.cluster) blockMs = Math.max(1, Math.min(blockMs, Math.floor(this.o.reclaimIdleMs / 4)));
    const block = this.o.once ? [] : ['BLOCK', blockMs];
    if (this.cluster) {
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
    if (!reply && !this.o.once && this.now() - startedAt >= blockMs + this.o.config.redis.commandTimeoutMs / 2) {
      // The reader's deadline (BLOCK + commandTimeoutMs) ended the read, not Redis
      // (which answers a BLOCK that found nothing on time): it is frozen or the network
      // drops packets. Its late reply (entries delivered to this consumer) would be
      // dropped, so start a fresh connection and re-read own pending entries after.
      this.o.reader.disconnect(true);
      throw new ReaderSilentError(`Redis gave no answer to a blocking read in ${Math.round((blockMs + this.o.config.redis.commandTimeoutMs) / 1000)} s`);
    }
    const entries: Delivered[] = [];
    for (const [stream, raw] of reply ?? []) {
      const day = this.keys.parseStreamDay(stream) ?? '';
      for (const [id, fields] of raw) entries.push({ stream, day, id, fields, deliveries: 1 });
      if (raw.length > 0) this.noteRead(stream, raw[raw.length - 1]![0]);
    }
    return { entries, readAtServerMs };
  }

  private noteRead(stream: string, id: string): void {
    const seen = this.highWater.get(stream);
    if (!seen || compareStreamIds(id, seen) > 0) this.highWater.set(stream, id);
  }

  /** The server's clock in ms, for the Cluster fence (not needed, so not asked, on a single Redis). */
  private async serverTime(): Promise<number> {
    if (!this.cluster) return 0;
    const [s, us] = (await this.o.reader.call('TIME')) as [string, string];
    return Number(s) * 1000 + Math.floor(Number(us) / 1000);
  }

  /** Delivery counts of entries read from history or reclaimed (XPENDING over their range). */
  private async withDeliveries(stream: string, raw: RawEntries): Promise<Delivered[]> {
    const day = this.keys.parseStreamDay(stream) ?? '';
    const first = raw[0]![0];
    const last = raw[raw.length - 1]![0];
    this.noteRead(stream, last);
    const pending = (await this.o.client.xpending(stream, this.group, first, last, raw.length, this.totals.consumer)) as [string, string, number, number][];
    const counts = new Map(pending.map(([id, , , n]) => [id, Number(n)]));
    return raw.map(([id, fields]) => ({ stream, day, id, fields, deliveries: counts.get(id) ?? 1 }));
  }

  /** Entries delivered too often or invalid go to the dead letters; the rest are applied. */
  private split(entries: Delivered[]): { apply: { d: Delivered; userId: string; eventType: ApplyInput['eventType']; ts: number }[]; dead: { d: Delivered; reason: string }[] } {
    const apply: { d: Delivered; userId: string; eventType: ApplyInput['eventType']; ts: number }[] = [];
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
      apply.push({ d, userId: check.entry.userId, eventType: check.entry.eventType, ts: check.entry.ts });
    }
    return { apply, dead };
  }

  /**
   * Applies, dead-letters and acks one batch. Throws, with nothing lost, when
   * Redis refuses it; what went through before is counted and taken out of the
   * batch, so a retry sends only the rest.
   */
  private async process(batch: Batch): Promise<void> {
    const statuses = this.cluster ? await this.processOnCluster(batch) : await this.processOnSingle(batch);
    this.count(statuses);
    if (statuses.includes('no-group')) throw new GroupLostError('NOGROUP');
    const ackFailed = statuses.filter((s) => s === 'ack-failed').length;
    // Redis' own error (NOPERM for an ACL user without XACK...), as a reply error, so it is mapped like one.
    if (ackFailed > 0) throw Object.assign(new Error(this.ackError || `XACK failed for ${ackFailed} entries; they stay pending`), { name: 'ReplyError' });
  }

  private count(statuses: readonly ApplyStatus[]): void {
    for (const s of statuses) {
      if (s === 'dead-lettered') this.totals.deadLettered++;
      else if (s === 'applied' || s === 'reset' || s === 'done-elsewhere' || s === 'recovered') {
        this.totals.processed++;
        if (s === 'done-elsewhere') this.totals.duplicates++;
        else this.totals.applied++;
        if (s === 'reset') this.totals.corruptReset++;
      }
    }
    this.o.onBatch?.(this.totals);
  }

  /**
   * A single Redis: the batch in script calls of APPLY_CHUNK entries, one
   * pipeline, one round trip. Each call acks what it applies (ack mode).
   */
  private async processOnSingle(batch: Batch): Promise<ApplyStatus[]> {
    const { apply, dead } = this.split(batch.entries);
    const streams = [...new Set(batch.entries.map((d) => d.stream))];
    const streamIndex = new Map(streams.map((s, i) => [s, i]));
    const nowMs = this.now();
    const chunks: { apply: typeof apply; dead: typeof dead }[] = [];
    // The dead letters ride with the first call.
    for (let i = 0; i < apply.length || chunks.length === 0; i += APPLY_CHUNK) chunks.push({ apply: apply.slice(i, i + APPLY_CHUNK), dead: i === 0 ? dead : [] });
    const calls = chunks.map(
      (chunk): RedisCommand => ({
        script: APPLY_EVENTS,
        args: buildApplyArgs(
            chunk.apply.map((a) => ({ userId: a.userId, token: a.d.id, stream: streamIndex.get(a.d.stream)!, eventType: a.eventType, ts: a.ts })),
        {
          keys: this.keys,
          rules: this.rules,
          group: this.group,
          consumer: this.totals.consumer,
          streams,
          dead: chunk.dead.map(({ d, reason }) => ({ stream: streamIndex.get(d.stream)!, id: d.id, reason, fields: d.fields ?? [] })),
          deadMaxLen: this.o.config.streams.maxLen,
          updateCounters: true,
          nowMs,
        }),
      }),
    );
    const results = await sendCommands(this.o.client, calls);
    // Calls are independent: a refused one changed nothing.
    const statuses: ApplyStatus[] = [];
    const left: Delivered[] = [];
    let failure: Error | null = null;
    for (const [k, chunk] of chunks.entries()) {
      const [err, raw] = results[k] ?? [new Error('no reply from Redis')];
      if (err) {
        failure ??= err;
        left.push(...chunk.apply.map((a) => a.d), ...chunk.dead.map((x) => x.d));
      } else {
        const reply = parseApplyReply(raw);
        statuses.push(...reply.statuses);
        this.ackError ||= reply.ackError;
      }
    }
    if (failure) {
      this.count(statuses);
      batch.entries = left;
      throw failure;
    }
    return statuses;
  }

  /**
   * A Cluster: one script call per user (a call may touch one slot), fenced by
   * the batch's read time; counters from the returned deltas; dead letters and
   * acks after, then the watermark for the next batch.
   */
  private async processOnCluster(batch: Batch): Promise<ApplyStatus[]> {
    const { apply, dead } = this.split(batch.entries);
    const nowMs = this.now();
    const deadline = batch.readAtServerMs + this.o.reclaimIdleMs - Math.min(FENCE_MARGIN_MS, Math.floor(this.o.reclaimIdleMs / 4));
    const byUser = new Map<string, number[]>();
    apply.forEach((a, i) => {
      const list = byUser.get(a.userId);
      if (list) list.push(i);
      else byUser.set(a.userId, [i]);
    });
    const statuses = new Array<ApplyStatus>(apply.length);
    const deltas = new Map<string, number>();
    let stale = false;
    const callIds = [...byUser.keys()].map(() => `${this.runTag}-${++this.calls}`);
    const settled = await Promise.allSettled(
      [...byUser.values()].map(async (indexes, c) => {
        // Calls of this consumer that sent these entries without a reply: their states may hold their deltas.
        const recoverable = new Set<string>();
        for (const i of indexes) {
          const call = this.uncertain.get(`${apply[i]!.d.stream} ${apply[i]!.d.id}`);
          if (call) recoverable.add(call);
        }
        const callId = callIds[c]!;
        const reply: ApplyReply = await callApply(
          this.o.client,
          indexes.map((i) => ({ userId: apply[i]!.userId, token: appliedRecord(apply[i]!.d.day, apply[i]!.d.id), eventType: apply[i]!.eventType, ts: apply[i]!.ts })),
          { keys: this.keys, rules: this.rules, watermark: this.watermark, deadline, updateCounters: false, nowMs, callId, recoverable: [...recoverable] },
        );
        if (reply.stale) {
          stale = true;
          return;
        }
        indexes.forEach((i, k) => (statuses[i] = reply.statuses[k]!));
        for (const [field, delta] of reply.deltas) deltas.set(field, (deltas.get(field) ?? 0) + delta);
      }).map((call, c) => call.catch((err: unknown) => {
        // No reply: the script may have run (the master died after it, the reply was lost,
        // the client gave up while it ran). Any failure counts: a retry naming a call that
        // did not run finds no state it changed, so naming it too is harmless.
        // Bounded: entries that never come back to this consumer (reclaimed by another) are forgotten eventually.
        if (this.uncertain.size > 100_000) this.uncertain.clear();
        for (const i of [...byUser.values()][c]!) this.uncertain.set(`${apply[i]!.d.stream} ${apply[i]!.d.id}`, callIds[c]!);
        throw err;
      })),
    );
    // Entries found done that a call of this consumer without a reply may have applied, and whose
    // deltas could not be recovered (another call changed the state since): those deltas are unknown.
    let uncounted = 0;
    apply.forEach((a, i) => {
      const key = `${a.d.stream} ${a.d.id}`;
      if (statuses[i] !== undefined && this.uncertain.delete(key) && statuses[i] === 'done-elsewhere') uncounted++;
    });
    if (uncounted > 0) {
      this.o.onWarn?.(
        `${uncounted} entries were found applied by a call whose reply was lost (the connection dropped, a master failing over): the states are exact, but ${this.keys.convStats()} may count up to ${uncounted} events fewer (and their users' variant moves), as their deltas are not known (another call changed those states since)`,
      );
    }
    // The deltas of the calls that went through are written even when another failed.
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    for (const [field, delta] of deltas) this.owedDeltas.set(field, (this.owedDeltas.get(field) ?? 0) + delta);
    await this.payOwedDeltas(nowMs);
    if (failed) throw failed.reason as Error;
    if (stale) {
      // What was applied is recorded in the states and stays pending: whoever
      // gets those entries next finds the records. Nothing is acked here.
      throw new StaleBatchError(`a batch was held past --reclaim-idle (this consumer was paused or slow): dropped without acking, another consumer may have taken its entries; re-reading own pending entries`);
    }
    if (dead.length > 0) {
      const maxLen = this.o.config.streams.maxLen;
      const target = this.keys.deadLetters();
      const written = await this.send(
        dead.map(({ d, reason }) => ['xadd', target, 'MAXLEN', '~', maxLen, '*', ...(d.fields ?? []), 'reason', reason, 'sourceStream', d.stream, 'sourceId', d.id]),
      );
      for (const [err] of written) if (err) throw err;
      // With the other deltas, counted once; a payment that fails now is sent again later
      // (throwing would retry the batch and write its dead letters twice).
      this.owedDeltas.set('deadLettered', (this.owedDeltas.get('deadLettered') ?? 0) + dead.length);
      await this.payOwedDeltas(nowMs).catch(() => undefined);
    }
    // An ack is final; a state write a master acknowledged is not, until a replica has
    // it (a failover can lose it). So the states' masters confirm before anything is acked.
    if (!(await this.writesReplicated(apply.map((a) => this.keys.convState(a.userId))))) {
      throw Object.assign(new Error('NOREPLICAS the states this batch wrote are not on a replica yet (a master failing over?)'), { name: 'ReplyError' });
    }
    const acks = this.ackCommands(batch.entries);
    // The fence writes go after the observation, in each stream's slot: once a replica
    // has them (WAIT), it has every ack and delivery the observation saw.
    const fences = this.streams.map((stream) => ['set', this.keys.consumeFence(stream), nowMs, 'PX', FENCE_TTL_MS]);
    const results = await this.send([...acks, ...this.observeCommands(), ...fences]);
    for (const [err] of results.slice(0, acks.length)) if (err) throw err;
    const fenced = results.slice(results.length - fences.length).every(([err]) => !err);
    if (fenced && (await this.writesReplicated(this.streams))) this.observeWatermark(results, acks.length);
    return [...statuses, ...dead.map((): ApplyStatus => 'dead-lettered')];
  }

  /**
   * Adds the counter deltas owed to conv:stats (Cluster), as one payment that
   * counts once however often it is sent (scripts/pay-deltas.lua): a payment
   * whose reply was lost stays in flight, unchanged, and is sent again; a
   * client re-sending it after a reconnect changes nothing either. A failed
   * payment throws: the batch is held and retried, and its entries are then
   * found applied (by their records), so the payment is the only record of
   * their deltas. Deltas owed meanwhile go in the next payment.
   */
  private owesCounters(): boolean {
    return this.owedDeltas.size > 0 || this.payment !== undefined;
  }

  private async payOwedDeltas(nowMs: number): Promise<void> {
    for (;;) {
      if (!this.payment) {
        if (this.owedDeltas.size === 0) return;
        this.payment = { mark: `${this.runTag} ${++this.payments}`, deltas: [...this.owedDeltas] };
        this.owedDeltas.clear();
      }
      const { mark, deltas } = this.payment;
      await evalScript(this.o.client, PAY_DELTAS, [this.keys.convStats()], [`paid:${this.o.consumer}`, mark, nowMs, ...deltas.flat()]);
      this.payment = undefined;
    }
  }

  /** XACK per stream for a batch (Cluster; on a single Redis the script acks). */
  private ackCommands(entries: Delivered[]): (string | number)[][] {
    const idsByStream = new Map<string, string[]>();
    for (const d of entries) {
      const ids = idsByStream.get(d.stream);
      if (ids) ids.push(d.id);
      else idsByStream.set(d.stream, [d.id]);
    }
    return [...idsByStream].map(([stream, ids]) => ['xack', stream, this.group, ...ids]);
  }

  /** XPENDING summary and XINFO GROUPS of each stream: what the watermark is computed from. */
  private observeCommands(): (string | number)[][] {
    return this.streams.flatMap((stream) => [
      ['xpending', stream, this.group],
      ['xinfo', 'GROUPS', stream],
    ]);
  }

  /**
   * Whether the masters of these keys have this connection's writes so far on a
   * replica (or have no replica). Before acking, for the states a batch wrote;
   * before the watermark moves, for the streams (after the fence writes): it
   * prunes the records of states, and if it moved past acks a failover then lost
   * (replication is asynchronous), their entries would come back with their
   * records gone and be applied twice.
   */
  private async writesReplicated(keys: readonly string[]): Promise<boolean> {
    const nodes = new Set(keys.map((k) => masterOfKey(this.o.client, k)));
    if (nodes.has(undefined)) return false;
    try {
      return (await Promise.all([...nodes].map((n) => replicated(n!, REPLICA_WAIT_MS)))).every(Boolean);
    } catch {
      return false;
    }
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

  /** On a Cluster (keys in several slots) commands sent side by side, as [err, value] pairs. */
  private send(commands: readonly RedisCommand[]) {
    return sendCommands(this.o.client, commands);
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
