// NDJSON ingestion for `launchctl ingest`: bytes in, lines split here with a
// bound (an oversized line is skipped while streaming, never held whole), one
// MULTI per chunk of events that also records the run's progress, so a run cut
// by a lost connection resumes without writing any event twice. On a cluster
// a chunk counts as written only once a replica of its master has it (WAIT):
// a failover then loses nothing ingest reported.
import { createHash, randomBytes } from 'node:crypto';
import type { RedisClient } from '../../adapters/redis.js';
import { isClusterClient, isCommandTimeout, isConnectionError, isTransientRedisError, replyErrorCode } from '../../adapters/redis-errors.js';
import { masterOfKey, replicated } from '../../adapters/redis.js';
import { UnreachableError } from '../../errors.js';
import { createKeys, utcDay } from '../../keys.js';
import { DAY_MS } from '../../util/duration.js';
import { buildEntryFields, checkEvent, type EventCheck } from './event.js';
import { execChunk, withOomRoom, type CommandCaller, type EntryChunk, type IngestOptions } from './ingest.js';
import { sleep } from '../../util/sleep.js';

/** Events per transaction. */
export const INGEST_BATCH = 1000;
/** Rejected lines kept for the report (all are counted). */
export const MAX_REPORTED_ERRORS = 1000;
/** How long a progress record lives: long enough to resume the next morning. */
export const PROGRESS_TTL_S = 86_400;
/** Bytes of the first line that identify the input (its `source`). */
const SOURCE_BYTES = 4096;
const DEFAULT_RECONNECT_WINDOW_MS = 5000;
/** How long one WAIT for a replica may take before the chunk is tried again over a new connection. */
export const DEFAULT_REPLICA_WAIT_MS = 2000;
const RECONNECT_PAUSE_MS = 250;

export interface LineError {
  line: number;
  reason: string;
}

export interface NdjsonResult {
  ingested: number;
  rejected: number;
  errors: LineError[];
  /** Lines read, blank and skipped ones included. */
  lines: number;
  /** Every line up to this one is in the stream, or was blank, rejected or skipped: resume from the next. */
  certainLine: number;
  /** Lines not ingested because --from-line or the resumed run's progress covered them. */
  skipped: number;
  /** The id of the input (SHA-256 of its first line, 16 hex digits), '' for an empty input. */
  source: string;
  runId: string;
  /** Set when --from-line continued a run whose progress record reached that line. */
  resumed?: { runId: string; lastLine: number };
  /** Times the connection was lost and ingestion carried on over a new one. */
  reconnects: number;
  /** Set when a chunk failed (StreamFullError, Redis lost): reading stopped there; certainLine says what got in. */
  error?: Error;
}

/** Parses and validates one NDJSON line; the reason says what is wrong. */
export function parseEventLine(text: string): EventCheck {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${err instanceof Error ? err.message.split('\n')[0] : 'parse error'})` };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'expected a JSON object' };
  return checkEvent(value);
}

/** A line as the splitter hands it out: its bytes, or null when it was longer than the bound (then only counted). */
export interface SplitLine {
  bytes: Buffer | null;
  length: number;
}

/**
 * Splits bytes into lines (LF, with an optional CR before it) holding at most
 * maxBytes of a line: the rest of a longer line is counted, not kept.
 */
export class LineSplitter {
  private parts: Buffer[] = [];
  private length = 0;
  private over = false;
  /** The last byte of the line so far (a CR before the LF is not counted). */
  private lastByte = -1;
  constructor(private readonly maxBytes: number) {}

  /** The complete lines of `chunk` (with what came before it). */
  push(chunk: Buffer, out: SplitLine[] = []): SplitLine[] {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      const end = nl < 0 ? chunk.length : nl;
      this.length += end - start;
      // One byte of slack for a CR before the LF.
      if (!this.over && this.length > this.maxBytes + 1) {
        this.over = true;
        this.parts = [];
      }
      if (end > start) {
        if (!this.over) this.parts.push(chunk.subarray(start, end));
        this.lastByte = chunk[end - 1]!;
      }
      if (nl < 0) return out;
      out.push(this.take());
      start = nl + 1;
    }
  }

  /** The last line, when the input does not end with a newline. */
  end(out: SplitLine[] = []): SplitLine[] {
    if (this.length > 0) out.push(this.take());
    return out;
  }

  private take(): SplitLine {
    const length = this.lastByte === 13 ? this.length - 1 : this.length;
    let bytes: Buffer | null = null;
    if (!this.over && length <= this.maxBytes) {
      bytes = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.length);
      bytes = bytes.subarray(0, length);
    }
    this.parts = [];
    this.length = 0;
    this.over = false;
    this.lastByte = -1;
    return { bytes, length };
  }
}

/** The progress record of a run: "<runId> <lastLine>". */
export function parseProgress(value: string | null): { runId: string; lastLine: number } | null {
  const m = value === null ? null : /^(\S+) (\d+)$/.exec(value);
  return m ? { runId: m[1]!, lastLine: Number(m[2]) } : null;
}

export interface IngestLinesOptions extends IngestOptions {
  signal?: AbortSignal;
  /** Called after each chunk is stored, with the events and the bytes of input consumed so far. */
  onProgress?: (ingested: number, bytes: number) => void;
  batchSize?: number;
  /** Lines before this one (1-based) are skipped; when the input's progress record reaches it, its run is continued. */
  fromLine?: number;
  /** What the chunks go through (default: the `redis` client, see redisConnection). */
  connection?: IngestConnection;
  /**
   * A new connection after the current one was lost. Without it a lost
   * connection ends the run (error set). With it, ingestion reconnects for up to
   * reconnectWindowMs and resends only what the progress record says is missing.
   * The connection must not re-send commands by itself after a reconnect.
   */
  reconnect?: () => Promise<IngestConnection>;
  reconnectWindowMs?: number;
  /** A chunk without a reply after this long counts as a lost connection (a server that stopped answering). */
  replyTimeoutMs?: number;
  /** Told when the connection was lost and when ingestion carries on over a new one. */
  onConnection?: (event: 'lost' | 'restored', err?: unknown) => void;
  /**
   * Where the connection can tell (a cluster), a chunk counts as written only
   * once a replica of its master has it: WAIT for up to this long, then the
   * chunk is checked and confirmed again over a new connection (within the
   * reconnect window). 0 trusts the master's reply alone (default 2000).
   */
  replicaWaitMs?: number;
}

/** A connection for ingestLines: commands, chunk transactions, and the id of the connection that carries them. */
export interface IngestConnection extends CommandCaller {
  execChunk(chunk: EntryChunk, maxLen: number): Promise<void>;
  /** CLIENT ID of the connection that carries the chunks, for CLIENT KILL after a loss; undefined on a cluster. */
  chunkConnectionId(): Promise<string | undefined>;
  /**
   * True once a replica of the master that holds `key` has every write this
   * connection sent it (or that master has no replica); false when the wait
   * timed out. Absent where it cannot be told (a single Redis: no failover to lose a write in).
   */
  replicated?(key: string, timeoutMs: number): Promise<boolean>;
  close(): void;
}

/**
 * An ioredis client as an IngestConnection (the library's way, and the CLI's on
 * a cluster): chunks as ioredis MULTI transactions. On a cluster there is one
 * connection per node, so no id: the race CLIENT KILL closes stays open there.
 */
export function redisConnection(client: RedisClient): IngestConnection {
  let id: Promise<string | undefined> | undefined;
  return {
    call: (command, ...args) => client.call(command, ...args),
    execChunk: async (chunk, maxLen) => {
      await execChunk(client, chunk, maxLen);
    },
    chunkConnectionId: () => (id ??= isClusterClient(client) ? Promise.resolve(undefined) : client.call('CLIENT', 'ID').then(String)),
    ...(isClusterClient(client)
      ? {
          replicated: async (key: string, timeoutMs: number) => {
            const node = masterOfKey(client, key);
            return node !== undefined && (await replicated(node, timeoutMs));
          },
        }
      : {}),
    close: () => client.disconnect(),
  };
}

/**
 * Chunks Redis had acknowledged are gone (a restart without persistence, or a
 * failover to a replica that did not have them yet): exit 3; certainLine is
 * set back to what the stream holds.
 */
export class AcknowledgedLinesLostError extends UnreachableError {
  override name = 'AcknowledgedLinesLostError';
  constructor(
    readonly stream: string,
    readonly firstLost: number,
    readonly lastLost: number,
  ) {
    super(`Redis lost lines ${firstLost}-${lastLost} it had acknowledged in ${stream} (restarted without persistence, or failed over to a replica that did not have them)`, 'NOREPLICAS');
  }
}

interface Chunk extends EntryChunk {
  firstLine: number;
  lastLine: number;
  bytesAtEnd: number;
}

/**
 * Reads NDJSON bytes and ingests the valid events in order, one transaction
 * (XADDs + progress record) in flight at a time; rejects the rest with their
 * line numbers. Blank lines are skipped silently, lines over
 * streams.maxEventBytes are rejected without being held. Stops reading when the
 * signal aborts or a chunk fails (then `error` is set).
 */
export async function ingestLines(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, options: IngestLinesOptions): Promise<NdjsonResult> {
  const maxBytes = options.config.streams.maxEventBytes;
  const keys = createKeys(options.config.redis.keyPrefix);
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? INGEST_BATCH;
  const fromLine = Math.max(1, options.fromLine ?? 1);
  const result: NdjsonResult = { ingested: 0, rejected: 0, errors: [], lines: 0, certainLine: fromLine - 1, skipped: 0, source: '', runId: randomBytes(6).toString('hex'), reconnects: 0 };
  const splitter = new LineSplitter(maxBytes);
  const sourceHash = createHash('sha256');
  let sourceBytes = 0;
  let sourceDone = false;
  let client = options.connection ?? redisConnection(options.redis);
  /** CLIENT ID of each connection that carried chunks, once known. */
  const ids = new WeakMap<IngestConnection, string | undefined>();
  let skipThrough = fromLine - 1;
  let entries: string[][] = [];
  let chunkFirstLine = fromLine;
  let bytes = 0;
  let inFlight: Promise<void> | undefined;
  let failure: Error | undefined;
  const replicaWaitMs = options.replicaWaitMs ?? DEFAULT_REPLICA_WAIT_MS;
  /** The chunks this run stored, per stream, in order: what a failover may have taken back. */
  const stored = new Map<string, { firstLine: number; lastLine: number; events: number }[]>();

  const reject = (line: number, reason: string) => {
    result.rejected++;
    if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push({ line, reason });
  };

  /** Sends a chunk (waits for the one before); a failure is kept for the loop to stop on. */
  const send = async (chunk: Chunk) => {
    if (inFlight) await inFlight;
    if (failure) return;
    inFlight = storeChunk(chunk).then(
      () => {
        result.ingested += chunk.entries.length;
        result.certainLine = chunk.lastLine;
        const list = stored.get(chunk.stream);
        const entry = { firstLine: chunk.firstLine, lastLine: chunk.lastLine, events: chunk.entries.length };
        if (list) list.push(entry);
        else stored.set(chunk.stream, [entry]);
        options.onProgress?.(result.ingested, chunk.bytesAtEnd);
      },
      (err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      },
    );
  };

  /**
   * Runs `attempt` on the current client; when the connection is lost (and
   * the caller can reconnect), opens a new one within the window and runs
   * `attempt(true)` on it.
   */
  const reconnecting = async <T>(attempt: (afterLoss: boolean) => Promise<T>): Promise<T> => {
    let lostAt: number | undefined;
    for (;;) {
      try {
        const conn = client;
        // Bounded as a whole: a server that stops answering is a lost connection, whichever command it stopped at.
        const value = await withTimeout(
          (async () => {
            if (options.reconnect && !ids.has(conn)) ids.set(conn, await conn.chunkConnectionId());
            return attempt(lostAt !== undefined);
          })(),
          options.replyTimeoutMs,
          conn,
        );
        if (lostAt !== undefined) options.onConnection?.('restored');
        return value;
      } catch (err) {
        if (!options.reconnect || !isLostConnection(err)) throw err;
        if (lostAt === undefined) {
          lostAt = Date.now();
          options.onConnection?.('lost', err);
        }
        const next = await reconnectWithin(lostAt + (options.reconnectWindowMs ?? DEFAULT_RECONNECT_WINDOW_MS), client, ids.get(client), options.reconnect, options.replyTimeoutMs);
        if (!next) throw err;
        client = next;
        result.reconnects++;
      }
    }
  };

  /**
   * Where the connection can tell, waits until a replica has the chunk; a wait
   * that times out (a replica behind, a master failing) is tried again over a
   * new connection, as a lost one is.
   */
  const confirmReplicated = async (chunk: Chunk, rewrite?: string) => {
    if (replicaWaitMs <= 0 || !client.replicated) return;
    // WAIT confirms what this connection wrote. Over a new connection that wrote
    // nothing yet it would confirm nothing: the record is written again first
    // (the same value), and a replica that has it has everything before it.
    if (rewrite !== undefined) await client.call('HSET', chunk.progress!.key, chunk.progress!.field, rewrite);
    // Inside the reply deadline, so a slow replica reads as one, not as a lost connection.
    const waitMs = options.replyTimeoutMs ? Math.min(replicaWaitMs, Math.floor(options.replyTimeoutMs / 2)) : replicaWaitMs;
    if (await client.replicated(chunk.stream, waitMs)) return;
    throw Object.assign(new Error(`NOREPLICAS no replica of the master of ${chunk.stream} confirmed lines ${chunk.firstLine}-${chunk.lastLine} within ${waitMs} ms`), { name: 'ReplyError' });
  };

  /**
   * After a loss: the progress record must still reach the chunks this run
   * stored in the stream before. When it does not, a failover took them back:
   * certainLine and ingested go back to what the stream holds, and the run stops.
   */
  const checkNothingLost = (chunk: Chunk, record: { runId: string; lastLine: number } | null) => {
    const list = stored.get(chunk.stream) ?? [];
    const held = record && record.runId === result.runId ? record.lastLine : 0;
    const lost = list.filter((c) => c.lastLine > held);
    if (lost.length === 0) return;
    result.certainLine = Math.min(result.certainLine, lost[0]!.firstLine - 1);
    result.ingested -= lost.reduce((n, c) => n + c.events, 0);
    throw new AcknowledgedLinesLostError(chunk.stream, lost[0]!.firstLine, lost.at(-1)!.lastLine);
  };

  const storeChunk = (chunk: Chunk): Promise<void> =>
    reconnecting(async (afterLoss) => {
      if (afterLoss) {
        // The chunk sent without a reply may have been executed: its progress record says.
        const record = parseProgress((await client.call('HGET', chunk.progress!.key, chunk.progress!.field)) as string | null);
        checkNothingLost(chunk, record);
        if (record && record.runId === result.runId && record.lastLine >= chunk.lastLine) return confirmReplicated(chunk, `${record.runId} ${record.lastLine}`);
      }
      try {
        await withOomRoom(client, chunk.stream, chunk.entries.length, options, () => client.execChunk(chunk, options.config.streams.maxLen));
      } catch (err) {
        // An error inside EXEC (WRONGTYPE: the key holds something else) does not
        // undo the rest: the progress record was written with no event. Put it back.
        const code = replyErrorCode(err);
        if (code !== undefined && code !== 'EXECABORT' && code !== 'OOM') {
          await client.call('HSET', chunk.progress!.key, chunk.progress!.field, `${result.runId} ${chunk.firstLine - 1}`).catch(() => undefined);
        }
        throw err;
      }
      await confirmReplicated(chunk);
    });

  /** Sends the events gathered so far as one chunk covering the lines up to lastLine. */
  const closeChunk = async (lastLine: number) => {
    if (entries.length === 0) {
      // Only blank or rejected lines since the last chunk: certain once that one is.
      if (inFlight) await inFlight;
      if (!failure) result.certainLine = Math.max(result.certainLine, lastLine);
      return;
    }
    const stream = keys.engagementStream(utcDay(now()));
    await send({
      stream,
      entries,
      firstLine: chunkFirstLine,
      lastLine,
      bytesAtEnd: bytes,
      progress: { key: keys.ingestProgress(stream), field: result.source, value: `${result.runId} ${lastLine}`, ttlS: PROGRESS_TTL_S },
    });
    entries = [];
    chunkFirstLine = lastLine + 1;
  };

  const finishSource = async () => {
    sourceDone = true;
    result.source = sourceHash.digest('hex').slice(0, 16);
    if (fromLine <= 1) return;
    // --from-line: a run of this input whose record reaches that line wrote the
    // lines up to its lastLine already (the chunk in flight when it stopped).
    // Today's and yesterday's streams: a run may have crossed midnight.
    const day = now();
    const records = await reconnecting(() =>
      Promise.all(
        [day, day - DAY_MS].map(async (t) => {
          const stream = keys.engagementStream(utcDay(t));
          return parseProgress((await client.call('HGET', keys.ingestProgress(stream), result.source)) as string | null);
        }),
      ),
    );
    const best = records.reduce<{ runId: string; lastLine: number } | null>((a, r) => (r && (!a || r.lastLine > a.lastLine) ? r : a), null);
    if (best && best.lastLine >= fromLine) {
      result.resumed = best;
      result.runId = best.runId;
      result.certainLine = best.lastLine;
      skipThrough = best.lastLine;
      chunkFirstLine = best.lastLine + 1;
    }
  };

  const feedSource = (chunk: Buffer) => {
    if (sourceDone) return;
    const nl = chunk.indexOf(10);
    const end = Math.min(nl < 0 ? chunk.length : nl, SOURCE_BYTES - sourceBytes);
    sourceHash.update(chunk.subarray(0, end));
    sourceBytes += end;
  };

  const handle = async (line: SplitLine) => {
    const n = ++result.lines;
    if (n === 1) await finishSource();
    if (n <= skipThrough) {
      result.skipped++;
      return;
    }
    if (line.bytes === null) {
      reject(n, `${line.length} bytes, over streams.maxEventBytes ${maxBytes}`);
    } else if (line.bytes.length > 0) {
      const text = line.bytes.toString('utf8');
      if (text.trim() !== '') {
        const check = parseEventLine(text);
        if (check.ok) entries.push(buildEntryFields(check.event));
        else reject(n, check.reason);
      }
    }
    if (entries.length >= batchSize) await closeChunk(n);
  };

  const lines: SplitLine[] = [];
  try {
    for await (const piece of input) {
      const chunk = typeof piece === 'string' ? Buffer.from(piece) : piece;
      feedSource(chunk);
      bytes += chunk.length;
      splitter.push(chunk, lines);
      for (const line of lines) {
        await handle(line);
        if (failure) break;
      }
      lines.length = 0;
      if (failure || options.signal?.aborted) break;
    }
    if (!failure && !options.signal?.aborted) {
      for (const line of splitter.end(lines)) await handle(line);
      if (result.lines === 0) result.source = '';
    }
    if (!failure) await closeChunk(result.lines);
  } catch (err) {
    // Redis lost outside a chunk (the progress record of --from-line), or the
    // input failed; an input destroyed on Ctrl-C is just the end of the run.
    if (!options.signal?.aborted) failure ??= err instanceof Error ? err : new Error(String(err));
  }
  // The chunk in flight is finished either way (its outcome settles certainLine).
  if (inFlight) await inFlight;
  return failure === undefined ? result : { ...result, error: failure };
}

/**
 * The connection dropped or went silent (the chunk may or may not have been
 * executed), or Redis says "not now" for a reason that passes (LOADING after a
 * restart, READONLY or MASTERDOWN during a failover, BUSY...): worth a new
 * connection. OOM has its own path (withOomRoom).
 */
function isLostConnection(err: unknown): boolean {
  if (isConnectionError(err) || isCommandTimeout(err) || (err instanceof Error && err.name === 'AbortError')) return true;
  const code = replyErrorCode(err);
  return code !== undefined && code !== 'OOM' && code !== 'EXECABORT' && isTransientRedisError(err);
}

/** Rejects (and drops the connection, failing what else is in flight on it) when the reply takes longer than ms. */
async function withTimeout<T>(promise: Promise<T>, ms: number | undefined, client: IngestConnection): Promise<T> {
  if (!ms) return promise;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          client.close();
          // ioredis' own words for a command past its deadline (isCommandTimeout).
          reject(new Error('Command timed out'));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Opens a new connection before the deadline, or null. On it, first makes sure
 * the old connection can no longer execute anything (CLIENT KILL by its id: a
 * transaction still buffered on the server must not run after the progress
 * record is read), then hands it over.
 */
async function reconnectWithin(deadline: number, old: IngestConnection, oldId: string | undefined, reconnect: () => Promise<IngestConnection>, replyTimeoutMs: number | undefined): Promise<IngestConnection | null> {
  old.close();
  while (Date.now() < deadline) {
    try {
      const next = await reconnect();
      if (oldId !== undefined) {
        try {
          await withTimeout(next.call('CLIENT', 'KILL', 'ID', oldId), replyTimeoutMs, next);
        } catch (err) {
          // "No such client": the server already dropped it (or CLIENT KILL is not allowed on this service).
          if (isLostConnection(err)) throw err;
        }
      }
      return next;
    } catch {
      await sleep(RECONNECT_PAUSE_MS);
    }
  }
  return null;
}
