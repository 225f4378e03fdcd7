// `launchctl ingest [FILE|-]`: NDJSON events into the day streams (docs/ingest.md).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { Cluster, Redis } from 'ioredis';
import { closeRedis, connectRedis, type RedisClient } from '../adapters/redis.js';
import { describeConnectError, isClusterClient, redisFailure, replyErrorCode } from '../adapters/redis-errors.js';
import type { LaunchConfig } from '../config/schema.js';
import { maskUrl } from '../util/mask.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { ConfigError, errorCode, isLaunchctlError, UnreachableError, UsageError } from '../errors.js';
import { ingestLines, redisConnection, type IngestConnection, type NdjsonResult } from '../domain/engagement/ndjson.js';
import { RespConnection } from '../adapters/resp-connection.js';
import { progressSharesSlot } from '../keys.js';
import { formatDuration, parsePositiveInt } from '../util/duration.js';

/** Files at least this big get a progress bar. */
const PROGRESS_MIN_BYTES = 1024 * 1024;
/** Rejected lines listed in the human report (--json lists up to 1000). */
const LISTED_ERRORS = 20;
/** How long a lost connection is retried before ingest stops with exit 3. */
const RECONNECT_WINDOW_MS = 5000;

export interface IngestCommandOptions {
  fromLine?: string;
  /** Where `-` reads from (tests pass a stream; the CLI uses process.stdin). */
  stdin?: Readable;
}

export async function ingestCommand(ctx: CommandContext, file = '-', options: IngestCommandOptions = {}): Promise<number> {
  const fromLine = options.fromLine === undefined ? 1 : parsePositiveInt(options.fromLine, '--from-line');
  const { config } = await loadContextConfig(ctx);
  if (config.redis.cluster && !progressSharesSlot(config.redis.keyPrefix)) {
    throw new ConfigError('redis.keyPrefix: on a cluster, a prefix with braces must hold a hash tag (`{app}:`), so ingest can write its progress record with the events', ['redis.keyPrefix']);
  }
  const source = await openSource(file, ctx, options.stdin);
  const closers: (() => Promise<void>)[] = [];
  // ingest's connections never reconnect by themselves: ioredis would re-send a
  // transaction Redis may already have executed (autoResendUnfulfilledCommands),
  // and with that option off ioredis 5 leaves the command's promise pending
  // forever (redis/ioredis#2193). ingestLines opens new ones and asks the
  // progress record what got in. connectRedis checks the server and the
  // credentials and gives the usual errors; the chunks then go through a bare
  // RESP connection with the same options (resp-connection.ts says why), except
  // on a cluster.
  const connect = async (): Promise<{ client: RedisClient; connection: IngestConnection }> => {
    const client = await connectRedis(config.redis, 'oneshot');
    withoutAutoReconnect(client);
    let connection = redisConnection(client);
    if (!isClusterClient(client)) {
      try {
        const writer = await RespConnection.open((client as Redis).options, config.redis.connectTimeoutMs);
        connection = { ...connection, execChunk: (chunk, maxLen) => writer.execChunk(chunk, maxLen), chunkConnectionId: () => Promise.resolve(writer.id), close: () => (writer.close(), client.disconnect()) };
        closers.push(() => Promise.resolve(writer.close()));
      } catch (err) {
        client.disconnect();
        throw new UnreachableError(`cannot reach Redis at ${maskUrl(config.redis.url)} (${describeConnectError(err)})`, errorCode(err) ?? replyErrorCode(err), { cause: err });
      }
    }
    closers.push(() => closeRedis(client));
    return { client, connection };
  };
  const first = await connect();
  const started = Date.now();
  let result: NdjsonResult;
  try {
    // Ctrl-C: stop reading (stdin may be idle); the chunk in flight is finished.
    ctx.signal.addEventListener('abort', () => source.stream.destroy(), { once: true });
    const progress = source.size >= PROGRESS_MIN_BYTES ? ctx.out.progress(`ingest ${file}`, source.size) : undefined;
    let lastBytes = 0;
    let lastNoteAt = Date.now();
    result = await ingestLines(source.stream, {
      redis: first.client,
      connection: first.connection,
      config,
      signal: ctx.signal,
      fromLine,
      reconnect: async () => (await connect()).connection,
      reconnectWindowMs: RECONNECT_WINDOW_MS,
      replyTimeoutMs: config.redis.commandTimeoutMs,
      onConnection: (event, err) =>
        ctx.out.warn(event === 'lost' ? `lost the connection to Redis (${describeConnectError(err)}): reconnecting for up to ${RECONNECT_WINDOW_MS / 1000} s` : 'reconnected to Redis; carrying on'),
      onTrim: (t) => ctx.out.warn(`Redis is out of memory: removed ${t.lengthBefore - t.lengthAfter} entries every consumer group had acked from ${t.stream} (attempt ${t.attempt})`),
      onProgress: (ingested, bytes) => {
        if (progress) {
          progress.tick(bytes - lastBytes, `${ingested} events`);
          lastBytes = bytes;
        } else if (!ctx.out.json && Date.now() - lastNoteAt >= 2000) {
          ctx.out.info(`ingest: ${ingested} events so far`);
          lastNoteAt = Date.now();
        }
      },
    });
    progress?.done(`${result.ingested} events`);
  } finally {
    source.stream.destroy();
    await Promise.all(closers.map((close) => close()));
  }
  const durationMs = Date.now() - started;
  if (result.resumed) ctx.out.info(`continuing run ${result.resumed.runId} of this input: lines up to ${result.resumed.lastLine} were already written by it`);
  const resume = `launchctl ingest ${file} --from-line ${result.certainLine + 1}`;
  if (result.error) {
    const err = isLaunchctlError(result.error) ? result.error : redisStopError(result.error, config);
    if (!err) throw result.error;
    // lostRedisError's generic advice ("run the command again") would write everything twice here.
    const advice = err.details.filter((d) => !d.startsWith('what was reported'));
    const done =
      result.certainLine > 0
        ? `every line up to ${result.certainLine} is certainly in the stream or was rejected (${result.ingested} events added by this run)`
        : 'no line is certainly in the stream yet';
    err.details.splice(0, err.details.length, `${done}; resume with: ${resume}`, ...advice);
    throw err;
  }
  if (ctx.signal.aborted) ctx.out.info(`ingest stopped at line ${result.certainLine}; resume with: ${resume}`);
  if (ctx.out.json) {
    ctx.out.printJson({ ingested: result.ingested, rejected: result.rejected, errors: result.errors, durationMs, lines: result.lines, certainLine: result.certainLine, skipped: result.skipped, reconnects: result.reconnects });
  } else {
    ctx.out.result(renderIngestReport(result, durationMs));
  }
  return result.rejected > 0 ? 1 : 0;
}

/**
 * What stopped the run, as the exit-3 error the user reads: a lost or silent
 * connection, or a refusal (READONLY on a replica, NOPERM, WRONGTYPE when the
 * day stream's key holds something else...); undefined for anything else (a bug).
 */
function redisStopError(err: unknown, config: LaunchConfig): UnreachableError | undefined {
  const known = redisFailure(err, { url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs });
  if (known) return known;
  const code = replyErrorCode(err);
  return code === undefined ? undefined : new UnreachableError(`Redis at ${maskUrl(config.redis.url)} refused the command (${code}): ${(err as Error).message.split('\n')[0]}`, code, { cause: err });
}

/** Makes a client give up on a lost connection instead of reconnecting (and re-sending what was in flight). */
function withoutAutoReconnect(client: RedisClient): void {
  const never = { retryStrategy: () => null };
  if (!isClusterClient(client)) {
    Object.assign(client.options, never);
    return;
  }
  // A cluster's node connections take redisOptions (where the factory put its retryStrategy).
  const cluster = client as Cluster;
  Object.assign(cluster.options.redisOptions ?? {}, never);
  for (const node of cluster.nodes()) Object.assign(node.options, never);
}

export function renderIngestReport(result: NdjsonResult, durationMs: number): string {
  const rate = durationMs > 0 ? Math.round((result.ingested * 1000) / durationMs) : result.ingested;
  const skipped = result.skipped > 0 ? `, skipped ${result.skipped} line(s) (--from-line)` : '';
  const lines = [`ingested ${result.ingested} events in ${formatDuration(durationMs)} (${rate}/s), rejected ${result.rejected} line(s)${skipped}`];
  if (result.reconnects > 0) lines.push(`  the connection to Redis was lost ${result.reconnects} time(s); every event went in once`);
  for (const e of result.errors.slice(0, LISTED_ERRORS)) lines.push(`  line ${e.line}: ${e.reason}`);
  if (result.rejected > LISTED_ERRORS) lines.push(`  ... and ${result.rejected - LISTED_ERRORS} more (--json lists up to 1000)`);
  return lines.join('\n');
}

async function openSource(file: string, ctx: CommandContext, stdin: Readable | undefined): Promise<{ stream: Readable; size: number }> {
  if (file === '-') {
    const stream = stdin ?? process.stdin;
    // Waiting silently on a terminal looks like a hang.
    if ((stream as { isTTY?: boolean }).isTTY) ctx.out.info('reading NDJSON events from stdin (Ctrl-D to finish), or name a file: launchctl ingest events.ndjson');
    return { stream, size: 0 };
  }
  const path = resolve(ctx.cwd, file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new UsageError(`FILE: ${file} is not a file`);
    return { stream: createReadStream(path), size: info.size };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`FILE: cannot read ${file} (${errorCode(err) ?? String(err)})`);
  }
}
