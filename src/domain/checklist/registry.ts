// Every check, in the order reports show them, and the selection of a run:
// the phase's checks, narrowed by --only / --skip. Pure.
import { UsageError } from '../../errors.js';
import { launchReport } from './checks/launch-report.js';
import { launchT0 } from './checks/launch-t0.js';
import { phBudget, phPost, phToken } from './checks/ph.js';
import { redisCluster } from './checks/redis-cluster.js';
import { redisErrors } from './checks/redis-errors.js';
import { redisEvictionPolicy } from './checks/redis-eviction-policy.js';
import { redisHeadroom } from './checks/redis-headroom.js';
import { redisLatency } from './checks/redis-latency.js';
import { redisMaxmemory } from './checks/redis-maxmemory.js';
import { redisReachable } from './checks/redis-reachable.js';
import { redisVersion } from './checks/redis-version.js';
import { siteLatency } from './checks/site-latency.js';
import { sitePaths } from './checks/site-paths.js';
import { siteRevalidate } from './checks/site-revalidate.js';
import { siteSocial } from './checks/site-social.js';
import { siteTls } from './checks/site-tls.js';
import { streamsBounded } from './checks/streams-bounded.js';
import { streamsGroup } from './checks/streams-group.js';
import { warmJitter } from './checks/warm-jitter.js';
import { warmMarkers } from './checks/warm-markers.js';
import type { CheckDefinition, FactName, Phase } from './types.js';

export const CHECKS: readonly CheckDefinition[] = [
  launchT0,
  redisReachable,
  redisCluster,
  redisLatency,
  redisVersion,
  redisMaxmemory,
  redisEvictionPolicy,
  redisHeadroom,
  redisErrors,
  streamsBounded,
  streamsGroup,
  sitePaths,
  siteTls,
  siteSocial,
  siteRevalidate,
  siteLatency,
  warmJitter,
  warmMarkers,
  phToken,
  phPost,
  phBudget,
  launchReport,
];

/** "a, b,c" → ["a", "b", "c"]; each id must be a check id, else a UsageError listing the valid ones. */
export function parseCheckIds(text: string | undefined, flag: string): string[] | undefined {
  if (text === undefined) return undefined;
  const ids = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const valid = new Set(CHECKS.map((c) => c.id));
  const unknown = ids.filter((id) => !valid.has(id));
  if (unknown.length > 0 || ids.length === 0) {
    throw new UsageError(`${flag}: unknown check id${unknown.length === 1 ? '' : 's'} ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}`, {
      details: [`valid ids: ${[...valid].join(', ')}`],
    });
  }
  return ids;
}

/**
 * The checks of a run: `only` runs exactly those (even outside the phase: an
 * explicit ask wins), otherwise the phase's checks; `skip` removes ids.
 */
export function selectChecks(phase: Phase, only?: readonly string[], skip?: readonly string[]): CheckDefinition[] {
  const base = only ? CHECKS.filter((c) => only.includes(c.id)) : CHECKS.filter((c) => c.phases.includes(phase));
  return base.filter((c) => !skip?.includes(c.id));
}

/** The fact groups the selected checks need (gather only those). */
export function neededFacts(checks: readonly CheckDefinition[]): Set<FactName> {
  return new Set(checks.flatMap((c) => c.needs));
}
