// NDJSON ingestion for `launchctl ingest` and the simulator: lines in, pipelined
// batches out, rejects reported with their line numbers.
import type { EngagementEvent } from './event.js';
import { checkEvent, type EventCheck } from './event.js';
import { addEvents, type IngestOptions } from './ingest.js';

/** Events per pipeline. */
export const INGEST_BATCH = 1000;
/** Pipelines in flight at once: enough to keep Redis busy while the next batch is parsed. */
const IN_FLIGHT = 4;
/** Rejected lines kept for the report (all are counted). */
export const MAX_REPORTED_ERRORS = 1000;

export interface LineError {
  line: number;
  reason: string;
}

export interface NdjsonResult {
  ingested: number;
  rejected: number;
  errors: LineError[];
  /** Lines read, blank ones included. */
  lines: number;
  /** Set when a batch failed (e.g. StreamFullError): reading stopped there; the counts say what got in. */
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

export interface IngestLinesOptions extends IngestOptions {
  signal?: AbortSignal;
  /** Called after each batch is stored, with the bytes of input consumed so far. */
  onProgress?: (ingested: number, bytes: number) => void;
  batchSize?: number;
}

/**
 * Reads lines, ingests the valid events in pipelined batches (in input order),
 * and reports the rest. Blank lines are skipped silently. Stops reading when
 * the signal aborts or a batch fails (then `error` is set); batches already
 * sent are finished.
 */
export async function ingestLines(lines: AsyncIterable<string>, options: IngestLinesOptions): Promise<NdjsonResult> {
  const result: NdjsonResult = { ingested: 0, rejected: 0, errors: [], lines: 0 };
  const batchSize = options.batchSize ?? INGEST_BATCH;
  let batch: EngagementEvent[] = [];
  let bytes = 0;
  const inFlight = new Set<Promise<void>>();
  let failure: Error | undefined;

  const send = (events: EngagementEvent[], bytesAtEnd: number) => {
    const p = addEvents(events, options)
      .then(({ ids, error }) => {
        result.ingested += ids.filter((id) => id !== undefined).length;
        options.onProgress?.(result.ingested, bytesAtEnd);
        if (error) failure ??= error;
      })
      .catch((err: unknown) => {
        failure ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
  };

  for await (const text of lines) {
    result.lines++;
    bytes += Buffer.byteLength(text) + 1;
    if (text.trim() === '') continue;
    const check = parseEventLine(text);
    if (check.ok) batch.push(check.event);
    else {
      result.rejected++;
      if (result.errors.length < MAX_REPORTED_ERRORS) result.errors.push({ line: result.lines, reason: check.reason });
    }
    if (batch.length >= batchSize) {
      send(batch, bytes);
      batch = [];
      while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    if (failure || options.signal?.aborted) break;
  }
  if (batch.length > 0 && !failure) send(batch, bytes);
  await Promise.all(inFlight);
  return failure === undefined ? result : { ...result, error: failure };
}
