// Ingestion: events into the day stream with XADD MAXLEN ~, pipelined, with a
// bounded OOM fallback (the seed recursed forever when trimming freed nothing).
import { redisReplyCode, type RedisClient } from '../../adapters/redis.js';
import type { LaunchConfig } from '../../config/schema.js';
import { UnreachableError, UsageError } from '../../errors.js';
import { createKeys, utcDay } from '../../keys.js';
import { buildEntryFields, checkEvent, type EngagementEvent } from './event.js';
import { ensureScript, queueScript } from './lua.js';

/** Times an OOM'd batch is retried after trimming before StreamFullError. */
export const DEFAULT_OOM_RETRIES = 3;

export interface IngestOptions {
  redis: RedisClient;
  config: Pick<LaunchConfig, 'redis' | 'streams'>;
  /** Clock that picks the UTC day stream (default Date.now). */
  now?: () => number;
  maxOomRetries?: number;
  /** Told each time an OOM made ingestion trim a stream (the CLI warns). */
  onTrim?: (info: TrimNotice) => void;
}

export interface TrimNotice {
  stream: string;
  lengthBefore: number;
  lengthAfter: number;
  attempt: number;
}

/** Redis refused the events for lack of memory even after trimming (exit 3). */
export class StreamFullError extends UnreachableError {
  override name = 'StreamFullError';
  constructor(
    readonly stream: string,
    readonly notIngested: number,
    attempts: number,
  ) {
    super(`Redis is out of memory: ${notIngested} event(s) not added to ${stream} after trimming it ${attempts} time(s)`, 'OOM', {
      details: ['free memory with `launchctl trim` (or lower streams.maxLen), or raise maxmemory on the Redis server'],
    });
  }
}

/** The event failed the schema (exit 2); `reason` names the field. */
export class InvalidEventError extends UsageError {
  override name = 'InvalidEventError';
  constructor(readonly reason: string) {
    super(`invalid engagement event: ${reason}`);
  }
}

/**
 * Adds events to today's (UTC) day stream (XADD MAXLEN ~ streams.maxLen, a
 * script call per 500 events, all in one pipeline) and returns their entry IDs
 * in order. On OOM it trims the stream to half its length and retries the
 * refused events, at most maxOomRetries times, then throws StreamFullError.
 */
export async function ingestEvents(events: readonly EngagementEvent[], options: IngestOptions): Promise<string[]> {
  const outcome = await addEvents(events, options);
  if (outcome.error) throw outcome.error;
  return outcome.ids as string[];
}

/** Events per add-events.lua call: long enough to amortise the call, short enough not to hold up the server. */
const ADD_CHUNK = 500;
const FIELDS_PER_EVENT = 8;

/** Like ingestEvents, but says which events were added when some were refused. */
export async function addEvents(events: readonly EngagementEvent[], options: IngestOptions): Promise<{ ids: (string | undefined)[]; error?: StreamFullError }> {
  const ids = new Array<string | undefined>(events.length);
  if (events.length === 0) return { ids };
  const keys = createKeys(options.config.redis.keyPrefix);
  const stream = keys.engagementStream(utcDay((options.now ?? Date.now)()));
  const maxLen = options.config.streams.maxLen;
  await ensureScript(options.redis, 'addEvents');
  // Chunks of event indexes; a chunk is added whole or refused whole (see add-events.lua).
  let todo: number[][] = [];
  for (let i = 0; i < events.length; i += ADD_CHUNK) todo.push(Array.from({ length: Math.min(ADD_CHUNK, events.length - i) }, (_, k) => i + k));
  const maxRetries = options.maxOomRetries ?? DEFAULT_OOM_RETRIES;
  for (let attempt = 0; ; attempt++) {
    const pipeline = options.redis.pipeline();
    for (const chunk of todo) {
      const args: (string | number)[] = [1, stream, maxLen, FIELDS_PER_EVENT];
      for (const i of chunk) args.push(...buildEntryFields(events[i]!));
      queueScript(pipeline, 'addEvents', args);
    }
    const results = (await pipeline.exec()) ?? [];
    const refused: number[][] = [];
    todo.forEach((chunk, k) => {
      const [err, reply] = results[k] ?? [new Error('no reply from Redis')];
      if (!err) chunk.forEach((i, j) => (ids[i] = (reply as string[])[j]));
      else if (redisReplyCode(err) === 'OOM') refused.push(chunk);
      else throw err;
    });
    if (refused.length === 0) return { ids };
    const count = refused.reduce((n, c) => n + c.length, 0);
    if (attempt >= maxRetries) return { ids, error: new StreamFullError(stream, count, attempt) };
    // Nothing left to trim: retrying cannot succeed, so stop here.
    if (!(await trimForRoom(options, stream, attempt + 1))) return { ids, error: new StreamFullError(stream, count, attempt) };
    todo = refused;
  }
}

/** Drops the oldest half of the stream (exact MAXLEN: `~` may free nothing on a small stream). */
async function trimForRoom(options: IngestOptions, stream: string, attempt: number): Promise<boolean> {
  const lengthBefore = await options.redis.xlen(stream);
  if (lengthBefore === 0) return false;
  const target = Math.floor(lengthBefore / 2);
  await options.redis.xtrim(stream, 'MAXLEN', target);
  options.onTrim?.({ stream, lengthBefore, lengthAfter: target, attempt });
  return true;
}

interface Waiting {
  event: EngagementEvent;
  options: IngestOptions;
  resolve(id: string): void;
  reject(err: unknown): void;
}

// Calls made in the same tick share one pipeline per client: the app's request
// handlers call ingestEngagement concurrently, and one round trip for all of
// them is what makes that fast. Keyed weakly by client, so nothing leaks.
const waitingByClient = new WeakMap<RedisClient, Waiting[]>();

/**
 * Validates one event and adds it to today's day stream (`XADD ... MAXLEN ~
 * streams.maxLen *`); resolves to the entry ID. Throws InvalidEventError for a
 * bad event, StreamFullError when Redis stays out of memory after bounded
 * trimming. Concurrent calls are pipelined together.
 */
export function ingestEngagement(event: unknown, options: IngestOptions): Promise<string> {
  const check = checkEvent(event);
  if (!check.ok) return Promise.reject(new InvalidEventError(check.reason));
  return new Promise<string>((resolve, reject) => {
    let waiting = waitingByClient.get(options.redis);
    if (!waiting) {
      waiting = [];
      waitingByClient.set(options.redis, waiting);
      setImmediate(() => void flushWaiting(options.redis));
    }
    waiting.push({ event: check.event, options, resolve, reject });
  });
}

async function flushWaiting(client: RedisClient): Promise<void> {
  const waiting = waitingByClient.get(client) ?? [];
  waitingByClient.delete(client);
  // Calls for another prefix or maxLen go in separate batches.
  const groups = new Map<string, Waiting[]>();
  for (const w of waiting) {
    const id = `${w.options.config.redis.keyPrefix}\n${w.options.config.streams.maxLen}\n${w.options.maxOomRetries ?? ''}`;
    const group = groups.get(id);
    if (group) group.push(w);
    else groups.set(id, [w]);
  }
  await Promise.all(
    [...groups.values()].map(async (group) => {
      try {
        const { ids, error } = await addEvents(
          group.map((w) => w.event),
          group[0]!.options,
        );
        group.forEach((w, i) => {
          const id = ids[i];
          if (id !== undefined) w.resolve(id);
          else w.reject(error);
        });
      } catch (err) {
        for (const w of group) w.reject(err);
      }
    }),
  );
}
