// Simulated launch-day traffic for `rehearse`, the crash test and the
// benchmark: a seeded, reproducible mix of engagement events, and a driver that
// ingests them at a given rate through the pipelined batch ingest.
import type { EngagementEvent, EventType } from './event.js';
import { addEvents, type IngestOptions } from './ingest.js';
import { sleep } from '../../util/sleep.js';

export interface TrafficOptions {
  /** Same seed, same events. */
  seed: number;
  users: number;
  /** Sessions start within this window after startMs. */
  durationMs: number;
  startMs: number;
  /** Launch paths for payload.path; earlier ones are visited more (Zipf-like). */
  paths: readonly string[];
  /** Exact number of events over all users (default: about 6 per user, geometric). */
  totalEvents?: number;
}

/** Share of each event type: most users hover and scroll, few submit. */
const EVENT_MIX: [EventType, number][] = [
  ['hover', 0.45],
  ['scroll', 0.35],
  ['cta_click', 0.15],
  ['form_submit', 0.05],
];
/** Most visitors bounce after a few events; a few stay long (geometric). */
const MEAN_EVENTS_PER_USER = 6;
/** Chance that a gap between two events of a user is an idle pause (> the default 5 s idle rule). */
const IDLE_GAP_CHANCE = 0.25;

/** mulberry32: small, fast, good enough for traffic shapes; not for secrets. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A version-4 UUID drawn from the seeded generator (reproducible user ids). */
export function seededUuid(random: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(random() * 4)]!;
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function pick<T>(random: () => number, weighted: readonly [T, number][]): T {
  let r = random();
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

function eventsPerUser(random: () => number, users: number, total: number | undefined): number[] {
  if (total === undefined) return Array.from({ length: users }, () => 1 + Math.floor(-Math.log(1 - random()) * (MEAN_EVENTS_PER_USER - 1)));
  const weights = Array.from({ length: users }, () => 0.2 + random() * 1.6);
  const sum = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - counts.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % users, rest--) counts[i]!++;
  return counts;
}

/**
 * Events of `users` simulated visitors, sorted by timestamp. Each user starts a
 * session at a random time in the window and produces events a fraction of a
 * second to a few seconds apart, with an occasional idle pause; some users are
 * "buyers" who click and submit more. Payloads carry `path` (what `warm
 * --predictive` counts) plus a detail per type.
 */
export function generateTraffic(options: TrafficOptions): EngagementEvent[] {
  const random = seededRandom(options.seed);
  const paths = options.paths.length > 0 ? options.paths : ['/'];
  const pathWeights: [string, number][] = paths.map((p, i) => [p, 1 / (i + 1)]);
  const pathSum = pathWeights.reduce((a, [, w]) => a + w, 0);
  for (const pw of pathWeights) pw[1] /= pathSum;
  const counts = eventsPerUser(random, options.users, options.totalEvents);
  const events: EngagementEvent[] = [];
  for (let u = 0; u < options.users; u++) {
    const userId = seededUuid(random);
    const buyer = random() < 0.2;
    const mix: [EventType, number][] = buyer
      ? [
          ['hover', 0.3],
          ['scroll', 0.3],
          ['cta_click', 0.28],
          ['form_submit', 0.12],
        ]
      : EVENT_MIX;
    let t = options.startMs + Math.floor(random() * options.durationMs);
    let path = pick(random, pathWeights);
    for (let k = 0; k < counts[u]!; k++) {
      const eventType = pick(random, mix);
      if (random() < 0.1) path = pick(random, pathWeights);
      const payload: Record<string, unknown> = { path };
      if (eventType === 'scroll') payload.depth = Math.round(random() * 100) / 100;
      if (eventType === 'hover') payload.ms = Math.floor(200 + random() * 4000);
      events.push({ userId, eventType, payload, timestamp: t });
      t += random() < IDLE_GAP_CHANCE ? 5_001 + Math.floor(random() * 15_000) : 100 + Math.floor(random() * 2_500);
    }
  }
  // Stable: a user's events with equal timestamps keep their order.
  return events.sort((a, b) => a.timestamp - b.timestamp);
}

export interface DriveOptions extends IngestOptions {
  /** Events per second; omitted or 0: as fast as Redis takes them. */
  ratePerSec?: number;
  signal?: AbortSignal;
  onProgress?: (ingested: number, total: number) => void;
  batchSize?: number;
}

export interface DriveResult {
  ingested: number;
  durationMs: number;
  /** Achieved events per second. */
  ratePerSec: number;
}

/** How often a paced driver sends a batch. */
const PACE_TICK_MS = 50;

/**
 * Ingests events in order through the pipelined batch ingest, paced to
 * `ratePerSec` (bursts every 50 ms). Stops early when the signal aborts.
 * Throws StreamFullError like ingestEvents.
 */
export async function driveTraffic(events: readonly EngagementEvent[], options: DriveOptions): Promise<DriveResult> {
  const started = Date.now();
  const rate = options.ratePerSec ?? 0;
  const batchSize = options.batchSize ?? 1000;
  let sent = 0;
  while (sent < events.length && !options.signal?.aborted) {
    let n = batchSize;
    if (rate > 0) {
      const due = Math.min(events.length, Math.floor(((Date.now() - started + PACE_TICK_MS) * rate) / 1000));
      n = Math.min(batchSize, due - sent);
      if (n <= 0) {
        await sleep(PACE_TICK_MS);
        continue;
      }
    }
    const batch = events.slice(sent, sent + n);
    const { error } = await addEvents(batch, options);
    if (error) throw error;
    sent += batch.length;
    options.onProgress?.(sent, events.length);
  }
  const durationMs = Date.now() - started;
  return { ingested: sent, durationMs, ratePerSec: durationMs > 0 ? Math.round((sent * 1000) / durationMs) : sent };
}
