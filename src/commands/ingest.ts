// `launchctl ingest [FILE|-]`: NDJSON events into the day streams (docs/ingest.md).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { closeRedis, connectRedis } from '../adapters/redis.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { errorCode, UsageError } from '../errors.js';
import { ingestLines, type NdjsonResult } from '../domain/engagement/ndjson.js';
import { formatDuration } from '../util/duration.js';

/** Files at least this big get a progress bar. */
const PROGRESS_MIN_BYTES = 1024 * 1024;
/** Rejected lines listed in the human report (--json lists up to 1000). */
const LISTED_ERRORS = 20;

export interface IngestCommandOptions {
  /** Where `-` reads from (tests pass a stream; the CLI uses process.stdin). */
  stdin?: Readable;
}

export async function ingestCommand(ctx: CommandContext, file = '-', options: IngestCommandOptions = {}): Promise<number> {
  const { config } = await loadContextConfig(ctx);
  const source = await openSource(file, ctx, options.stdin);
  const client = await connectRedis(config.redis, 'oneshot');
  const started = Date.now();
  let result: NdjsonResult;
  try {
    const progress = source.size >= PROGRESS_MIN_BYTES ? ctx.out.progress(`ingest ${file}`, source.size) : undefined;
    let lastBytes = 0;
    let lastNoteAt = Date.now();
    result = await ingestLines(createInterface({ input: source.stream, crlfDelay: Infinity }), {
      redis: client,
      config,
      signal: ctx.signal,
      onTrim: (t) => ctx.out.warn(`Redis is out of memory: trimmed ${t.stream} from ${t.lengthBefore} to ${t.lengthAfter} entries (attempt ${t.attempt})`),
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
    await closeRedis(client);
  }
  const durationMs = Date.now() - started;
  if (result.error) {
    ctx.out.info(`ingest stopped after ${result.ingested} events (line ${result.lines})`);
    throw result.error;
  }
  if (ctx.out.json) {
    ctx.out.printJson({ ingested: result.ingested, rejected: result.rejected, errors: result.errors, durationMs });
  } else {
    ctx.out.result(renderIngestReport(result, durationMs));
  }
  return result.rejected > 0 ? 1 : 0;
}

export function renderIngestReport(result: NdjsonResult, durationMs: number): string {
  const rate = durationMs > 0 ? Math.round((result.ingested * 1000) / durationMs) : result.ingested;
  const lines = [`ingested ${result.ingested} events in ${formatDuration(durationMs)} (${rate}/s), rejected ${result.rejected} line(s)`];
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
