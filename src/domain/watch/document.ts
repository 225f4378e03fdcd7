// The `watch --json` line: one JSON document per refresh with the top-level
// keys version, ts, launch, productHunt, redis, streams, conversion, warm
// (docs/watch.md). Rates are merged into the panel they belong to. Pure.
import { phaseLabel } from '../launch/phase.js';
import { computeRates } from './rates.js';
import type { WatchSnapshot } from './snapshot.js';

/** Without `version`: Output.printJson adds it. */
export function buildWatchDocument(snapshot: WatchSnapshot, prev?: WatchSnapshot): Record<string, unknown> {
  const rates = computeRates(prev, snapshot);
  const { connection } = snapshot;
  const redis = snapshot.redis
    ? {
        connected: true,
        url: connection.url,
        ...snapshot.redis,
        opsPerSec: rates.opsPerSec,
        hitRatio: rates.hitRatio,
        evictedSinceLast: rates.evictedSinceLast,
        oomSinceLast: rates.oomSinceLast,
        intervalS: rates.intervalS,
        notes: snapshot.notes,
      }
    : { connected: false, url: connection.url, error: connection.error, since: connection.since };
  return {
    ts: snapshot.ts,
    // The phase as people read it (`T-0`), as the dashboard shows it.
    launch: { ...snapshot.launch, phase: snapshot.launch.phase && phaseLabel(snapshot.launch.phase) },
    productHunt: snapshot.productHunt,
    redis,
    streams: snapshot.streams ? { ...snapshot.streams, ingestPerSec: rates.ingestPerSec, consumePerSec: rates.consumePerSec } : null,
    conversion: snapshot.conversion ? { ...snapshot.conversion, eventsPerSec: rates.eventsPerSec } : null,
    warm: snapshot.warm,
  };
}
