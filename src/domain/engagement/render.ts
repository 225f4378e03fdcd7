// How the pipeline's verbs read (pure): ingest's report and consume's totals.
import { formatDuration } from '../../util/duration.js';
import type { ConsumeTotals } from './consumer.js';
import type { NdjsonResult } from './ndjson.js';

/** Rejected lines listed in the human report (--json lists up to 1000). */
const LISTED_ERRORS = 20;

export function renderIngestReport(result: NdjsonResult, durationMs: number): string {
  const rate = durationMs > 0 ? Math.round((result.ingested * 1000) / durationMs) : result.ingested;
  const skipped = result.skipped > 0 ? `, skipped ${result.skipped} line(s) (--from-line)` : '';
  const lines = [`ingested ${result.ingested} events in ${formatDuration(durationMs)} (${rate}/s), rejected ${result.rejected} line(s)${skipped}`];
  if (result.reconnects > 0) lines.push(`  the connection to Redis was lost ${result.reconnects} time(s); every event went in once`);
  for (const e of result.errors.slice(0, LISTED_ERRORS)) lines.push(`  line ${e.line}: ${e.reason}`);
  if (result.rejected > LISTED_ERRORS) lines.push(`  ... and ${result.rejected - LISTED_ERRORS} more (--json lists up to 1000)`);
  return lines.join('\n');
}

export function renderTotals(t: ConsumeTotals, nowMs: number): string {
  const elapsedMs = Math.max(1, nowMs - t.startedAt);
  const rate = Math.round((t.processed * 1000) / elapsedMs);
  const parts = [
    `processed ${t.processed} entries (${t.applied} applied, ${t.duplicates} already applied)`,
    `dead-lettered ${t.deadLettered}`,
    `reclaimed ${t.reclaimed}`,
  ];
  if (t.removedConsumers > 0) parts.push(`removed ${t.removedConsumers} idle consumer(s)`);
  if (t.groupsRecreated > 0) parts.push(`re-created the group ${t.groupsRecreated} time(s)`);
  if (t.refusals > 0) parts.push(`rode out ${t.refusals} window(s) of Redis refusing the work`);
  if (t.corruptReset > 0) parts.push(`reset ${t.corruptReset} corrupt state(s)`);
  return `${parts.join(', ')} in ${formatDuration(elapsedMs)} (${rate}/s)`;
}
