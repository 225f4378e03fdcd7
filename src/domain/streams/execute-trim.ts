// Runs a trim plan (the executor of STYLE.md habit 3): each step in one
// atomic script that refuses to act when the stream grew past the plan's guard.
import { luaScript, runScript } from '../../adapters/lua.js';
import type { RedisClient } from '../../adapters/redis.js';
import { readMemoryUsage } from '../../adapters/redis-streams.js';
import type { StreamTrimPlan } from './trim-plan.js';

export interface StreamTrimOutcome {
  plan: StreamTrimPlan;
  after: number;
  trimmed: number;
  deleted: boolean;
  memoryAfterBytes: number | null;
  /** The stream grew past the guard while trimming: stopped there (`trimmed` says how far it got), run again. */
  skipped: boolean;
}

const SCRIPT_ACTION = { delete: 'UNLINK', maxlen: 'MAXLEN', minid: 'MINID' } as const;
/** scripts/trim-guarded.lua: KEYS[1] the day stream. */
const TRIM_GUARDED = luaScript('trimGuarded', import.meta.url, 'scripts/trim-guarded.lua', 1);

export async function executeTrimPlan(client: RedisClient, plans: readonly StreamTrimPlan[]): Promise<StreamTrimOutcome[]> {
  const outcomes: StreamTrimOutcome[] = [];
  for (const plan of plans) {
    if (plan.action === 'none') {
      outcomes.push({ plan, after: plan.before, trimmed: 0, deleted: false, memoryAfterBytes: plan.memoryBytes, skipped: false });
      continue;
    }
    // XTRIM with ~ removes at most 100 nodes (10,000 entries) per call, which
    // keeps each call short on a live server: call again until nothing goes.
    let trimmed = 0;
    let skipped = false;
    for (;;) {
      // Entries removed so far make room that new entries must not take over.
      const guard = plan.guardMaxLength === null ? -1 : plan.guardMaxLength - trimmed;
      const removed = Number(await runScript(client, TRIM_GUARDED, [plan.key, SCRIPT_ACTION[plan.action], plan.threshold ?? '', guard]));
      if (removed < 0) {
        skipped = true;
        break;
      }
      trimmed += removed;
      if (removed === 0 || plan.action === 'delete') break;
    }
    const deleted = plan.action === 'delete' && !skipped;
    outcomes.push({
      plan,
      after: deleted ? 0 : await client.xlen(plan.key),
      trimmed,
      deleted,
      memoryAfterBytes: deleted ? 0 : await readMemoryUsage(client, plan.key),
      skipped,
    });
  }
  return outcomes;
}
