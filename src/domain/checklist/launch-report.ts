// The T+1 launch report (launch.report, `--report FILE`): what happened, from
// the facts already gathered. Pure.
import { formatBytes } from '../../output/format.js';
import type { ChecklistFacts } from './types.js';

export interface LaunchReport {
  version: 1;
  launch: { name: string; t0: string | null };
  generatedAt: string;
  productHunt: { post: string; name: string; votes: number; comments: number; rank: number | null; fetchedAt: string; stale: boolean } | null;
  events: {
    /** Entries ever added to the day streams (trimmed ones included on Redis 7.0+; a lower bound before). */
    ingested: number | null;
    ingestedIsLowerBound: boolean;
    /** Entries the consumer applied to conversion state (counters `events`). */
    consumed: number | null;
    deadLettered: number | null;
    perDay: { day: string; length: number; entriesAdded: number | null }[];
  };
  users: number | null;
  variants: { default: number; pricing: number; video: number } | null;
  warm: { paths: number; warmed: number; successRate: number } | null;
  memory: { peakBytes: number; peak: string; maxmemory: number | null } | null;
  /** Parts that could not be filled in, and why. */
  missing: string[];
}

export function buildLaunchReport(facts: ChecklistFacts): LaunchReport {
  const missing: string[] = [];
  const { config } = facts;

  let productHunt: LaunchReport['productHunt'] = null;
  if (!config.productHunt) missing.push('productHunt: not configured');
  else if (facts.ph?.ok && facts.ph.value.status) {
    const s = facts.ph.value.status;
    productHunt = { post: s.post, name: s.name, votes: s.votesCount, comments: s.commentsCount, rank: s.rank, fetchedAt: new Date(s.fetchedAt).toISOString(), stale: s.stale === true };
  } else missing.push(`productHunt: ${facts.ph?.ok ? (facts.ph.value.error?.message ?? 'nothing in the shared cache (run `launchctl ph` during the launch)') : (facts.ph?.cause ?? 'not gathered')}`);

  const streams = facts.streams?.ok ? facts.streams.value : null;
  if (!streams) missing.push(`events ingested: ${facts.streams && !facts.streams.ok ? facts.streams.cause : 'not gathered'}`);
  const counters = facts.counters?.ok ? facts.counters.value : null;
  if (!counters) missing.push(`events consumed and variants: ${facts.counters && !facts.counters.ok ? facts.counters.cause : 'not gathered'}`);
  const perDay = (streams?.streams ?? []).map((s) => ({ day: s.day, length: s.length, entriesAdded: s.entriesAdded }));

  const markers = facts.markers?.ok ? facts.markers.value.paths : null;
  if (!markers) missing.push(`warm: ${facts.markers && !facts.markers.ok ? facts.markers.cause : 'not gathered'}`);
  const warmed = markers?.filter((p) => p.present).length ?? 0;

  const nodes = facts.redis?.ok ? facts.redis.value.nodes : null;
  if (!nodes) missing.push(`memory: ${facts.redis && !facts.redis.ok ? facts.redis.cause : 'not gathered'}`);
  const peakBytes = nodes ? Math.max(...nodes.map((n) => n.usedMemoryPeak)) : 0;
  const maxmemory = nodes ? Math.min(...nodes.map((n) => n.maxmemory)) : 0;

  return {
    version: 1,
    launch: { name: config.launch.name, t0: config.launch.t0 ?? null },
    generatedAt: new Date(facts.nowMs).toISOString(),
    productHunt,
    events: {
      ingested: streams ? perDay.reduce((sum, d) => sum + (d.entriesAdded ?? d.length), 0) : null,
      ingestedIsLowerBound: perDay.some((d) => d.entriesAdded === null),
      consumed: counters?.events ?? null,
      deadLettered: counters ? Math.max(counters.deadLettered, streams?.deadLetters ?? 0) : (streams?.deadLetters ?? null),
      perDay,
    },
    users: counters?.users ?? null,
    variants: counters?.variants ?? null,
    warm: markers ? { paths: markers.length, warmed, successRate: markers.length > 0 ? warmed / markers.length : 0 } : null,
    memory: nodes ? { peakBytes, peak: formatBytes(peakBytes), maxmemory: maxmemory > 0 ? maxmemory : null } : null,
    missing,
  };
}
