// `launchctl ingest [FILE|-]`: NDJSON events into the day streams (docs/ingest.md).
// Parses the flags, opens the input, runs the executor
// (domain/engagement/ingest-run.ts) with progress, and renders the report.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { describeConnectError, replyErrorCode } from '../adapters/redis-errors.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { errorCode, UsageError } from '../errors.js';
import { checkIngestConfig, runIngest, type IngestRun } from '../domain/engagement/ingest-run.js';
import { renderIngestReport } from '../domain/engagement/render.js';
import { formatDuration, parseDuration, parsePositiveInt } from '../util/duration.js';

/** Files at least this big get a progress bar. */
const PROGRESS_MIN_BYTES = 1024 * 1024;
/**
 * How long a lost connection is retried before ingest stops with exit 3: a
 * restart on a single Redis; on a cluster, a failover (cluster-node-timeout,
 * 15 s by default, and a second or two for the replica to take over).
 */
const RECONNECT_WINDOW_MS = 5000;
const CLUSTER_RECONNECT_WINDOW_MS = 30_000;

export interface IngestCommandOptions {
  fromLine?: string;
  /** --reconnect-window: how long a lost connection is retried (a duration). */
  reconnectWindow?: string;
  /** Where `-` reads from (tests pass a stream; the CLI uses process.stdin). */
  stdin?: Readable;
}

export async function ingestCommand(ctx: CommandContext, file = '-', options: IngestCommandOptions = {}): Promise<number> {
  const fromLine = options.fromLine === undefined ? 1 : parsePositiveInt(options.fromLine, '--from-line');
  const windowFlag = options.reconnectWindow === undefined ? undefined : parseDuration(options.reconnectWindow, '--reconnect-window');
  const { config } = await loadContextConfig(ctx);
  checkIngestConfig(config);
  const reconnectWindowMs = windowFlag ?? (config.redis.cluster ? CLUSTER_RECONNECT_WINDOW_MS : RECONNECT_WINDOW_MS);
  const source = await openSource(file, ctx, options.stdin);
  const started = Date.now();
  let result: IngestRun;
  try {
    // Ctrl-C: stop reading (stdin may be idle); the chunk in flight is finished.
    ctx.signal.addEventListener('abort', () => source.stream.destroy(), { once: true });
    const progress = source.size >= PROGRESS_MIN_BYTES ? ctx.out.progress(`ingest ${file}`, source.size) : undefined;
    let lastBytes = 0;
    let lastNoteAt = Date.now();
    result = await runIngest(source.stream, {
      config,
      signal: ctx.signal,
      fromLine,
      reconnectWindowMs,
      onConnection: (event, err) =>
        ctx.out.warn(event === 'lost' ? `${describeLoss(err)}: reconnecting for up to ${formatDuration(reconnectWindowMs)}` : 'reconnected to Redis; carrying on'),
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
  }
  const durationMs = Date.now() - started;
  if (result.resumed) ctx.out.info(`continuing run ${result.resumed.runId} of this input: lines up to ${result.resumed.lastLine} were already written by it`);
  const resume = `launchctl ingest ${file} --from-line ${result.certainLine + 1}`;
  if (result.error) {
    const err = result.error;
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

/** The warning when ingest has to reconnect: a lost connection, or Redis (a replica) not confirming a chunk. */
function describeLoss(err: unknown): string {
  if (replyErrorCode(err) === 'NOREPLICAS') return `no replica confirmed the last chunk yet (${(err as Error).message.replace(/^NOREPLICAS /, '')})`;
  return `lost the connection to Redis (${describeConnectError(err)})`;
}
