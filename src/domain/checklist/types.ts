// The shapes shared by every checklist module: phases, the facts gathered once
// per run, a check definition and its outcome. Pure types and tiny helpers.
import type { LaunchConfig } from '../../config/schema.js';
import type { PhRateLimit, PhStatus } from '../ph/types.js';
import type { ClusterNode } from './cluster.js';

export { PHASES, type Phase } from '../launch/phase.js';
import type { Phase } from '../launch/phase.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

export type Thresholds = LaunchConfig['thresholds'];

/** What one check concluded. `hint` says how to fix it (empty when nothing to fix). */
export interface Outcome {
  status: CheckStatus;
  expected: string;
  found: string;
  hint?: string;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  expected: string;
  found: string;
  hint: string;
}

/** The fact groups a check may need; only the groups a selected check needs are gathered. */
export type FactName = 'redis' | 'cluster' | 'streams' | 'site' | 'tls' | 'social' | 'markers' | 'counters' | 'ph';

export interface CheckDefinition {
  id: string;
  title: string;
  /** The phases whose run includes this check. */
  phases: readonly Phase[];
  /** The launch failure this check guards against (shown by --list). */
  guards: string;
  needs: readonly FactName[];
  evaluate(facts: ChecklistFacts, thresholds: Thresholds): Outcome;
}

/**
 * A gathered fact, or why it could not be gathered. `unreachable` marks facts
 * that could not be read because Redis is down: their checks are skipped (the
 * one failure is redis.reachable) rather than each failing again.
 */
export type Fact<T> = { ok: true; value: T } | { ok: false; cause: string; unreachable?: boolean };

export interface RedisNodeFacts {
  /** host:port of the node. */
  address: string;
  version: string;
  usedMemory: number;
  usedMemoryPeak: number;
  /** 0 = no limit. */
  maxmemory: number;
  policy: string;
  /** total_system_memory from INFO, or null when the server does not say (some managed services). */
  totalSystemMemory: number | null;
  /** Sum of errorstat_OOM since start, or null before Redis 6.2 (no INFO errorstats). */
  oomRejections: number | null;
  evictedKeys: number;
  uptimeS: number;
  /** Where maxmemory and the policy were read: CONFIG GET, or INFO when CONFIG is disabled (managed services). */
  memorySource: 'CONFIG' | 'INFO';
}

export interface RedisFacts {
  /** The URL with its password masked. */
  url: string;
  /** One entry per master that answered (one for a standalone server); replicas are not read. */
  nodes: RedisNodeFacts[];
  /** Masters the client knows that did not answer INFO (a cluster with a node down), with the cause. */
  unanswered: { address: string; cause: string }[];
  /** PING round trips in ms. */
  pingMs: number[];
}

/**
 * Redis Cluster as one node sees it (CLUSTER INFO and CLUSTER NODES), or
 * `enabled: false` for a standalone server (cluster_enabled:0).
 */
export type ClusterFacts =
  | { enabled: false }
  | {
      enabled: true;
      /** Whether launchctl was configured for a cluster (redis.cluster); a plain client gets MOVED for most keys. */
      configured: boolean;
      /** host:port of the node whose view this is. */
      seenFrom: string;
      /** cluster_state: `ok` or `fail`. */
      state: string;
      slotsAssigned: number;
      slotsOk: number;
      slotsPfail: number;
      slotsFail: number;
      nodes: ClusterNode[];
    };

export interface GroupFacts {
  name: string;
  pending: number;
  /** Entries not yet delivered to the group; null before Redis 7.0 (or when Redis cannot tell). */
  lag: number | null;
  /** Entry id of the oldest pending entry, or null when nothing is pending. */
  oldestPendingId: string | null;
}

export interface StreamFacts {
  key: string;
  day: string;
  length: number;
  /** entries-added (Redis 7.0+): every entry ever added, trimmed ones included; null before 7.0. */
  entriesAdded: number | null;
  /** MEMORY USAGE of the stream, or null when the command is not allowed. */
  bytes: number | null;
  groups: GroupFacts[];
}

export interface StreamsFacts {
  /** The day streams found in the looked-at window, oldest first. */
  streams: StreamFacts[];
  /** The first and last day looked at (YYYY-MM-DD). */
  window: { from: string; to: string };
  deadLetters: number;
}

export interface PathSample {
  status: number | null;
  latencyMs: number | null;
  error?: string;
}

export interface PathProbe {
  path: string;
  samples: PathSample[];
  /** Cache-Control of the first answer, or null when it had none. */
  cacheControl: string | null;
}

export interface SiteFacts {
  origin: string;
  paths: PathProbe[];
}

export interface TlsFacts {
  host: string;
  /** Certificate notAfter, epoch ms. */
  validTo: number;
  /** Whether the chain verifies against the system CAs. */
  authorized: boolean;
  authorizationError: string | null;
}

export interface SocialFacts {
  url: string;
  status: number;
  ogTitle: string | null;
  ogImage: string | null;
}

export interface MarkerFacts {
  paths: { path: string; present: boolean }[];
}

export interface CounterFacts {
  events: number;
  users: number;
  deadLettered: number;
  variants: { default: number; pricing: number; video: number };
  updatedAt: number | null;
}

/** Why the Product Hunt status could not be read, by kind (recognised by error type and code). */
export type PhErrorKind = 'config' | 'token' | 'not-found' | 'unreachable' | 'other';

export interface PhFacts {
  status: PhStatus | null;
  error: { kind: PhErrorKind; message: string } | null;
  rateLimit: PhRateLimit | null;
  /** True when the status came from the cache only (T+1 report): no API call was made. */
  cacheOnly: boolean;
}

export interface ChecklistFacts {
  nowMs: number;
  phase: Phase;
  config: LaunchConfig;
  /** Whether the revalidation secret's environment variable is set (never its value). */
  revalidateSecretSet: boolean;
  /** `--report FILE` for launch.report, or null. */
  reportPath: string | null;
  redis?: Fact<RedisFacts>;
  cluster?: Fact<ClusterFacts>;
  streams?: Fact<StreamsFacts>;
  site?: Fact<SiteFacts>;
  tls?: Fact<TlsFacts>;
  social?: Fact<SocialFacts>;
  markers?: Fact<MarkerFacts>;
  counters?: Fact<CounterFacts>;
  ph?: Fact<PhFacts>;
}

/**
 * Runs `fn` on a gathered fact, or turns a missing fact into an outcome: skipped
 * when Redis is unreachable (redis.reachable reports it) or the fact was not
 * gathered, failed with the cause otherwise.
 */
export function withFact<T>(fact: Fact<T> | undefined, expected: string, fn: (value: T) => Outcome): Outcome {
  if (!fact) return { status: 'skip', expected, found: 'not gathered' };
  if (fact.ok) return fn(fact.value);
  if (fact.unreachable) return { status: 'skip', expected, found: `not checked: ${fact.cause}`, hint: 'see redis.reachable' };
  return { status: 'fail', expected, found: fact.cause, hint: 'the fact behind this check could not be read: fix the cause, or raise thresholds.checkTimeoutMs for a slow dependency' };
}

/** The launch paths checks look at: warm.paths, or "/" when none are configured. */
export function launchPaths(config: LaunchConfig): string[] {
  return config.warm.paths.length > 0 ? config.warm.paths.map((p) => p.path) : ['/'];
}
