// Ingestion: events into the day stream as plain XADD ... MAXLEN ~ commands,
// one MULTI/EXEC per chunk. Under OOM a chunk is refused whole (Redis aborts
// the transaction), and ingestion may make room only by removing entries that
// every consumer group has acked; otherwise it fails with StreamFullError. It
// never drops an entry a consumer has not acked.
import type { ChainableCommander } from 'ioredis';
import { evalScript, luaScript } from '../../adapters/lua.js';
import type { RedisClient } from '../../adapters/redis.js';
import type { EntryChunk } from '../../adapters/resp-connection.js';
import { parseInfo, parseXinfoGroups, type XinfoGroup } from '../../adapters/redis-replies.js';
import { replyErrorCode } from '../../adapters/redis-errors.js';
import type { LaunchConfig } from '../../config/schema.js';
import { UnreachableError, UsageError } from '../../errors.js';
import { createKeys, utcDay } from '../../keys.js';
import { buildEntryFields, checkEvent, type EngagementEvent } from './event.js';

/** Times an OOM'd chunk is retried after trimming acked entries, before StreamFullError. */
export const DEFAULT_OOM_RETRIES = 3;

export interface IngestOptions {
  redis: RedisClient;
  config: Pick<LaunchConfig, 'redis' | 'streams'>;
  /** Clock that picks the UTC day stream (default Date.now). */
  now?: () => number;
  maxOomRetries?: number;
  /** Told each time an OOM made ingestion remove acked entries from a stream (the CLI warns). */
  onTrim?: (info: TrimNotice) => void;
}

export interface TrimNotice {
  stream: string;
  lengthBefore: number;
  lengthAfter: number;
  attempt: number;
  /** Entries before this ID were acked by every consumer group and are gone. */
  minId: string;
}

/** What Redis looked like when it refused the events: the figures StreamFullError names. */
export interface OomDiagnosis {
  usedMemory: number | null;
  maxMemory: number | null;
  length: number | null;
  groups: Pick<XinfoGroup, 'name' | 'lag' | 'pending'>[];
  /** Entries removed (acked by every group) before giving up. */
  trimmed: number;
}

/** Redis refused the events for lack of memory, and no acked entry was left to remove (exit 3). */
export class StreamFullError extends UnreachableError {
  override name = 'StreamFullError';
  constructor(
    readonly stream: string,
    readonly notIngested: number,
    readonly diagnosis: OomDiagnosis,
  ) {
    super(`Redis is out of memory (${describeMemory(diagnosis)}): ${notIngested} event(s) not added to ${stream} (${describeStream(diagnosis)})`, 'OOM', {
      details: [
        diagnosis.trimmed > 0
          ? `removed ${diagnosis.trimmed} entries every consumer group had acked; that was not enough, and the others are not consumed yet`
          : diagnosis.groups.length === 0
            ? 'nothing was removed: the stream has no consumer group yet, so every entry is still to be consumed'
            : 'nothing was removed: every entry is still needed by a consumer group (pending or not delivered yet)',
        'let `launchctl consume` catch up, free memory with `launchctl trim` (other keys, older days), or raise maxmemory on the Redis server',
      ],
    });
  }
}

function describeMemory(d: OomDiagnosis): string {
  const mb = (n: number | null) => (n === null ? '?' : `${(n / 1024 / 1024).toFixed(1)} MiB`);
  return `used_memory ${mb(d.usedMemory)} of maxmemory ${mb(d.maxMemory)}`;
}

function describeStream(d: OomDiagnosis): string {
  const groups = d.groups.length === 0 ? 'no consumer group' : d.groups.map((g) => `group ${g.name}: lag ${g.lag ?? '?'}, pending ${g.pending}`).join('; ');
  return `length ${d.length ?? '?'}; ${groups}`;
}

/** The event failed the schema (exit 2); `reason` names the field. */
export class InvalidEventError extends UsageError {
  override name = 'InvalidEventError';
  constructor(readonly reason: string) {
    super(`invalid engagement event: ${reason}`);
  }
}

/** The event is longer than streams.maxEventBytes once encoded (exit 2). */
export class EventTooLargeError extends InvalidEventError {
  override name = 'EventTooLargeError';
  constructor(
    readonly bytes: number | null,
    readonly maxBytes: number,
  ) {
    super(`${bytes === null ? 'too large to encode' : `${bytes} bytes`}, over streams.maxEventBytes ${maxBytes}`);
  }
}

/**
 * The stream entry of an event; EventTooLargeError when it is longer than
 * maxBytes (field names and values, UTF-8), InvalidEventError when its payload
 * cannot be written as JSON.
 */
export function encodeEvent(event: EngagementEvent, maxBytes: number): string[] {
  let fields: string[];
  try {
    fields = buildEntryFields(event);
  } catch (err) {
    // JSON.stringify throws RangeError past V8's string limit, TypeError on a cycle or a BigInt.
    if (err instanceof RangeError) throw new EventTooLargeError(null, maxBytes);
    throw new InvalidEventError(`payload: cannot be written as JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  let bytes = 0;
  for (const f of fields) bytes += Buffer.byteLength(f);
  if (bytes > maxBytes) throw new EventTooLargeError(bytes, maxBytes);
  return fields;
}

/** One MULTI: the XADDs of a chunk (and, for `ingest`, its progress record), executed whole or not at all. */
export type { EntryChunk };

/**
 * The refusal behind an EXECABORT (READONLY, NOPERM, OOM: the first queued
 * command Redis refused), or the error itself.
 */
export function refusalOf(err: unknown): unknown {
  if (replyErrorCode(err) !== 'EXECABORT') return err;
  return (err as { previousErrors?: unknown[] }).previousErrors?.[0] ?? err;
}

/** Sends one chunk as MULTI ... EXEC; resolves to the entry IDs. Rejects with the ReplyError of a refused transaction. */
export async function execChunk(client: RedisClient, chunk: EntryChunk, maxLen: number): Promise<string[]> {
  const tx: ChainableCommander = client.multi();
  for (const fields of chunk.entries) tx.xadd(chunk.stream, 'MAXLEN', '~', maxLen, '*', ...fields);
  if (chunk.progress) {
    tx.hset(chunk.progress.key, chunk.progress.field, chunk.progress.value);
    tx.expire(chunk.progress.key, chunk.progress.ttlS);
  }
  const results = await tx.exec();
  // null: the transaction was aborted (a WATCH, never used here); treat as refused.
  if (!results) throw new Error('transaction aborted');
  const ids = new Array<string>(chunk.entries.length);
  for (let i = 0; i < chunk.entries.length; i++) {
    const [err, id] = results[i]!;
    if (err) throw err;
    ids[i] = id as string;
  }
  return ids;
}

/**
 * OOM, told apart from other refusals: an OOM reply, or EXECABORT because a
 * queued command was refused for OOM (ioredis lists those in previousErrors).
 */
export function isOomError(err: unknown): boolean {
  return replyErrorCode(refusalOf(err)) === 'OOM';
}

/** What the OOM path needs of a connection: ioredis clients and RespConnection both have it. */
export interface CommandCaller {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** scripts/trim-acked.lua: KEYS[1] the day stream. */
const TRIM_ACKED = luaScript('trimAcked', import.meta.url, 'scripts/trim-acked.lua', 1);

/**
 * Removes the entries of `stream` that every consumer group has acked (one
 * atomic script, scripts/trim-acked.lua); returns how many went and the cut.
 */
export async function trimAcked(client: CommandCaller, stream: string): Promise<{ removed: number; minId: string }> {
  const [removed, minId] = (await evalScript(client, TRIM_ACKED, [stream], [])) as [number, string];
  return { removed: Number(removed), minId };
}

/** The figures for StreamFullError; a figure Redis will not give (a managed service, a lost reply) is null. */
export async function diagnoseOom(client: CommandCaller, stream: string, trimmed: number): Promise<OomDiagnosis> {
  const [memory, length, groups] = await Promise.all([
    client.call('INFO', 'memory').then(
      (text) => parseInfo(String(text)),
      () => new Map<string, string>(),
    ),
    client.call('XLEN', stream).then(Number, () => null),
    client.call('XINFO', 'GROUPS', stream).then(parseXinfoGroups, () => []),
  ]);
  const num = (k: string) => (memory.has(k) ? Number(memory.get(k)) : null);
  return { usedMemory: num('used_memory'), maxMemory: num('maxmemory'), length, groups: groups.map(({ name, lag, pending }) => ({ name, lag, pending })), trimmed };
}

/**
 * Runs `send` and, while Redis refuses it for OOM, removes acked entries from
 * the stream and tries again: at most maxRetries times, and only while that
 * removes something. Then throws StreamFullError with the figures.
 */
export async function withOomRoom<T>(client: CommandCaller, stream: string, count: number, options: Pick<IngestOptions, 'maxOomRetries' | 'onTrim'>, send: () => Promise<T>): Promise<T> {
  const maxRetries = options.maxOomRetries ?? DEFAULT_OOM_RETRIES;
  let trimmed = 0;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      if (!isOomError(err)) throw refusalOf(err);
    }
    let removed = 0;
    if (attempt < maxRetries) {
      const lengthBefore = Number(await client.call('XLEN', stream));
      const cut = await trimAcked(client, stream);
      removed = cut.removed;
      trimmed += removed;
      if (removed > 0) options.onTrim?.({ stream, lengthBefore, lengthAfter: lengthBefore - removed, attempt: attempt + 1, minId: cut.minId });
    }
    if (removed === 0) throw new StreamFullError(stream, count, await diagnoseOom(client, stream, trimmed));
  }
}

/** Events per MULTI: long enough to amortise the round trip, short enough not to hold the server up (~2 ms). */
export const CHUNK_EVENTS = 1000;

/**
 * Adds events to today's (UTC) day stream (XADD MAXLEN ~ streams.maxLen, one
 * MULTI per 1000 events) and returns their entry IDs in order. Throws
 * StreamFullError (see withOomRoom), EventTooLargeError for an event over
 * streams.maxEventBytes (nothing is added then).
 */
export async function ingestEvents(events: readonly EngagementEvent[], options: IngestOptions): Promise<string[]> {
  const outcome = await addEvents(events, options);
  if (outcome.error) throw outcome.error;
  return outcome.ids as string[];
}

/** Like ingestEvents, but says which events were added when a chunk was refused (later chunks are not sent). */
export async function addEvents(events: readonly EngagementEvent[], options: IngestOptions): Promise<{ ids: (string | undefined)[]; error?: StreamFullError }> {
  const ids = new Array<string | undefined>(events.length);
  if (events.length === 0) return { ids };
  const maxBytes = options.config.streams.maxEventBytes;
  const entries = events.map((e) => encodeEvent(e, maxBytes));
  const stream = createKeys(options.config.redis.keyPrefix).engagementStream(utcDay((options.now ?? Date.now)()));
  const maxLen = options.config.streams.maxLen;
  // Chunks go one after another: a chunk refused for OOM stops the rest, so
  // what got in is a prefix of the events.
  for (let i = 0; i < entries.length; i += CHUNK_EVENTS) {
    const chunk = { stream, entries: entries.slice(i, i + CHUNK_EVENTS) };
    try {
      const chunkIds = await withOomRoom(options.redis, stream, entries.length - i, options, () => execChunk(options.redis, chunk, maxLen));
      chunkIds.forEach((id, k) => (ids[i + k] = id));
    } catch (err) {
      if (err instanceof StreamFullError) return { ids, error: err };
      throw err;
    }
  }
  return { ids };
}

interface Waiting {
  fields: string[];
  options: IngestOptions;
  resolve(id: string): void;
  reject(err: unknown): void;
}

// Calls made in the same tick share one MULTI per client: the app's request
// handlers call ingestEngagement concurrently, and one round trip for all of
// them is what makes that fast. Keyed weakly by client, so nothing leaks.
const waitingByClient = new WeakMap<RedisClient, Waiting[]>();

/**
 * Validates one event and adds it to today's day stream (`XADD ... MAXLEN ~
 * streams.maxLen *`); resolves to the entry ID. Throws InvalidEventError for a
 * bad event (EventTooLargeError over streams.maxEventBytes), StreamFullError
 * when Redis is out of memory and no acked entry can make room. Concurrent
 * calls share one MULTI. A connection reset: see docs/ingest.md.
 */
export function ingestEngagement(event: unknown, options: IngestOptions): Promise<string> {
  const check = checkEvent(event);
  if (!check.ok) return Promise.reject(new InvalidEventError(check.reason));
  return new Promise<string>((resolve, reject) => {
    // Throwing here rejects the promise (EventTooLargeError).
    const fields = encodeEvent(check.event, options.config.streams.maxEventBytes);
    let waiting = waitingByClient.get(options.redis);
    if (!waiting) {
      waiting = [];
      waitingByClient.set(options.redis, waiting);
      setImmediate(() => void flushWaiting(options.redis));
    }
    waiting.push({ fields, options, resolve, reject });
  });
}

async function flushWaiting(client: RedisClient): Promise<void> {
  const waiting = waitingByClient.get(client) ?? [];
  waitingByClient.delete(client);
  // Calls for another prefix, maxLen or day go in separate transactions.
  const groups = new Map<string, { stream: string; items: Waiting[] }>();
  for (const w of waiting) {
    const stream = createKeys(w.options.config.redis.keyPrefix).engagementStream(utcDay((w.options.now ?? Date.now)()));
    const id = `${stream}\n${w.options.config.streams.maxLen}\n${w.options.maxOomRetries ?? ''}`;
    const group = groups.get(id);
    if (group) group.items.push(w);
    else groups.set(id, { stream, items: [w] });
  }
  await Promise.all(
    [...groups.values()].map(async ({ stream, items }) => {
      const { options } = items[0]!;
      for (let i = 0; i < items.length; i += CHUNK_EVENTS) {
        const part = items.slice(i, i + CHUNK_EVENTS);
        const chunk = { stream, entries: part.map((w) => w.fields) };
        try {
          const ids = await withOomRoom(client, stream, part.length, options, () => execChunk(client, chunk, options.config.streams.maxLen));
          part.forEach((w, k) => w.resolve(ids[k]!));
        } catch (err) {
          for (const w of part) w.reject(err);
        }
      }
    }),
  );
}
