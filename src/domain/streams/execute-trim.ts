// Runs a trim plan (the executor of STYLE.md habit 3): each step in one
// atomic script that refuses to act when the stream grew past the plan's guard.
import { readLua, type RedisClient } from '../../adapters/redis.js';
import { readMemoryUsage } from './read-streams.js';
import type { StreamTrimPlan } from './trim-plan.js';

export interface StreamTrimOutcome {
  plan: StreamTrimPlan;
  after: number;
  trimmed: number;
  deleted: boolean;
  memoryAfterBytes: number | null;
  /** The stream grew past the guard while trimming: nothing done, run again. */
  skipped: boolean;
}

const SCRIPT_ACTION = { delete: 'DEL', maxlen: 'MAXLEN', minid: 'MINID' } as const;

export async function executeTrimPlan(client: RedisClient, plans: readonly StreamTrimPlan[]): Promise<StreamTrimOutcome[]> {
  const script = await readLua(import.meta.url, 'scripts/trim-guarded.lua');
  const outcomes: StreamTrimOutcome[] = [];
  for (const plan of plans) {
    if (plan.action === 'none') {
      outcomes.push({ plan, after: plan.before, trimmed: 0, deleted: false, memoryAfterBytes: plan.memoryBytes, skipped: false });
      continue;
    }
    const removed = Number(await client.eval(script, 1, plan.key, SCRIPT_ACTION[plan.action], plan.threshold ?? '', plan.guardMaxLength ?? -1));
    const skipped = removed < 0;
    const deleted = plan.action === 'delete' && !skipped;
    const after = deleted ? 0 : await client.xlen(plan.key);
    outcomes.push({
      plan,
      after,
      trimmed: deleted ? plan.before : Math.max(0, removed),
      deleted,
      memoryAfterBytes: deleted ? 0 : await readMemoryUsage(client, plan.key),
      skipped,
    });
  }
  return outcomes;
}
