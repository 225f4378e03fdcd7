// The warm plan (pure): for each selected path, the URL to GET, the marker key
// and the TTL it gets (base × predictive factor, then jitter). `--dry-run`
// renders this and stops; the executor in run.ts carries it out.
import type { Keys } from '../../keys.js';
import type { PathSource, WarmTarget } from './paths.js';
import { jitterRange, jitterTtl, type PredictiveFactor, type RandomSource } from './ttl.js';

export interface WarmPlanEntry {
  path: string;
  url: string;
  key: string;
  source: PathSource;
  /** Configured TTL in seconds. */
  baseTtl: number;
  factor: number;
  /** Why this factor (predictive only). */
  reason: string | null;
  /** The TTL the marker is set with: round(baseTtl × factor), jittered. */
  ttl: number;
  /** Where jitter could have put it. */
  ttlRange: { min: number; max: number };
}

/** How the path set was built, for --json (the notes say the same for people). */
export interface WarmSources {
  config: number;
  sitemap: { paths: number; files: number; foreign: number; problems: string[] } | null;
  file: number | null;
  duplicates: number;
  excluded: number;
  overLimit: number;
}

/** What --predictive read: the engagement window and how much of it. */
export interface WarmPredictiveInfo {
  windowMs: number;
  /** Engagement entries read. */
  sampled: number;
  capped: boolean;
  note: string | null;
}

export interface WarmPlan {
  origin: string;
  /** What --predictive read, null without it. The result reports the same object. */
  predictive: WarmPredictiveInfo | null;
  jitter: number;
  entries: WarmPlanEntry[];
  /** Facts about how the path set was built, for the report ("3 foreign URLs skipped"). */
  notes: string[];
  sources: WarmSources | null;
}

export interface PlanWarmInput {
  targets: readonly WarmTarget[];
  origin: string;
  keys: Keys;
  jitter: number;
  /** Per-path factors under --predictive, null otherwise. */
  factors: ReadonlyMap<string, PredictiveFactor> | null;
  /** What --predictive read (with the factors). */
  predictive?: WarmPredictiveInfo | null;
  random?: RandomSource;
  notes?: string[];
  sources?: WarmSources;
}

/**
 * The URL of `path` on `origin`. Paths are absolute from the host root, as in
 * a sitemap and in the marker keys: a path part of site.origin is not
 * prepended (the run notes when one is ignored).
 */
export function warmUrl(origin: string, path: string): string {
  return `${new URL(origin).origin}${path}`;
}

export function planWarm(input: PlanWarmInput): WarmPlan {
  const random = input.random ?? Math.random;
  const entries = input.targets.map((t): WarmPlanEntry => {
    const f = input.factors?.get(t.path);
    const factor = f?.factor ?? 1;
    const scaled = Math.max(1, Math.round(t.ttl * factor));
    return {
      path: t.path,
      url: warmUrl(input.origin, t.path),
      key: input.keys.warmMarker(t.path),
      source: t.source,
      baseTtl: t.ttl,
      factor,
      reason: f?.reason ?? null,
      ttl: jitterTtl(scaled, input.jitter, random),
      ttlRange: jitterRange(scaled, input.jitter),
    };
  });
  return { origin: input.origin, predictive: input.factors === null ? null : (input.predictive ?? null), jitter: input.jitter, entries, notes: input.notes ?? [], sources: input.sources ?? null };
}
