// `launchctl trim`: keeps the engagement day streams bounded. Plans per stream
// (delete past retention, MAXLEN ~ or MINID ~ from --older-than), holds back
// whatever a consumer group has not acked unless --force, then runs the plan.
import type { CommandContext } from '../context.js';
import { loadContextConfig } from '../context.js';
import { withRedis } from '../adapters/redis.js';
import { UsageError } from '../errors.js';
import { createKeys } from '../keys.js';
import type { StreamTrimOutcome } from '../domain/streams/execute-trim.js';
import { renderTrimOutcome, renderTrimPlan } from '../domain/streams/render.js';
import { trimStreams } from '../domain/streams/trim.js';
import type { StreamTrimPlan } from '../domain/streams/trim-plan.js';
import { parseDuration, parsePositiveInt } from '../util/duration.js';

export interface TrimCommandOptions {
  maxlen?: string;
  olderThan?: string;
  force?: boolean;
  dryRun?: boolean;
}

export async function trimCommand(ctx: CommandContext, options: TrimCommandOptions = {}): Promise<number> {
  if (options.maxlen !== undefined && options.olderThan !== undefined) throw new UsageError('use --maxlen or --older-than, not both');
  const maxLenFlag = options.maxlen !== undefined ? parsePositiveInt(options.maxlen, '--maxlen') : undefined;
  const olderThanMs = options.olderThan !== undefined ? parseDuration(options.olderThan, '--older-than') : undefined;
  if (olderThanMs !== undefined && olderThanMs <= 0) throw new UsageError(`--older-than: expected a duration above zero, received "${options.olderThan}"`);

  const { config } = await loadContextConfig(ctx);
  const keys = createKeys(config.redis.keyPrefix);
  const maxLen = maxLenFlag ?? config.streams.maxLen;
  const mode = olderThanMs !== undefined ? `older than ${options.olderThan}` : `MAXLEN ~ ${maxLen}`;
  const result = await withRedis(config.redis, (redis) =>
    trimStreams({
      redis,
      keys,
      nowMs: Date.now(),
      retentionDays: config.streams.retentionDays,
      maxLen,
      olderThanMs,
      force: options.force === true,
      dryRun: options.dryRun === true,
    }),
  );
  const { plans, outcomes } = result;
  if (plans.length === 0) ctx.out.info(`no engagement day streams found (${keys.engagementStreamPattern()})`);
  if (ctx.out.json) {
    ctx.out.printJson({
      dryRun: outcomes === null,
      mode,
      streams: outcomes === null ? plans.map(planJson) : outcomes.map(outcomeJson),
      heldBack: result.heldBack,
      forcedUnacked: result.forcedUnacked,
      skipped: result.skipped,
    });
  } else if (outcomes === null && plans.length > 0) {
    ctx.out.result(`dry run (${mode}; nothing changed)\n${renderTrimPlan(plans, ctx.out.decorateStdout)}`);
  } else if (outcomes !== null && outcomes.length > 0) {
    ctx.out.result(renderTrimOutcome(outcomes, ctx.out.decorateStdout));
  }
  reportHeld(ctx, plans);
  if (result.forcedUnacked > 0) ctx.out.warn(`--force dropped up to ${result.forcedUnacked} entries a consumer group had not acked`);
  if (result.skipped > 0) ctx.out.warn(`${result.skipped} stream(s) grew while trimming and were left alone: run trim again`);
  // Held-back entries or skipped streams: the job ran but did not reach its goal (exit 1).
  return result.heldBack > 0 || result.skipped > 0 ? 1 : 0;
}

function reportHeld(ctx: CommandContext, plans: readonly StreamTrimPlan[]): void {
  for (const p of plans.filter((x) => x.held)) {
    const groups = p.groups.map((g) => `${g.name}: ${g.pending} pending, lag ${g.lag ?? 'n/a'}`).join('; ');
    ctx.out.warn(
      `${p.key}: held back: the trim would drop ${p.unackedAtRisk} entries not yet acked by every consumer group (from ${p.oldestUnackedId} on; ${groups}); run consume to finish them, or --force to drop them`,
    );
  }
}

function groupsJson(p: StreamTrimPlan) {
  return p.groups.map((g) => ({ name: g.name, pending: g.pending, lag: g.lag, lastDeliveredId: g.lastDeliveredId, oldestPendingId: g.oldestPendingId }));
}

function planJson(p: StreamTrimPlan) {
  return {
    key: p.key,
    day: p.day,
    before: p.before,
    after: p.expectedAfter,
    trimmed: Math.max(0, p.before - p.expectedAfter),
    deleted: p.action === 'delete',
    action: p.action,
    requested: p.requested,
    threshold: p.threshold,
    held: p.held,
    unacked: p.unackedAtRisk,
    oldestUnackedId: p.oldestUnackedId,
    memoryBytes: p.memoryBytes,
    reason: p.reason,
    groups: groupsJson(p),
  };
}

function outcomeJson(o: StreamTrimOutcome) {
  return {
    ...planJson(o.plan),
    after: o.after,
    trimmed: o.trimmed,
    deleted: o.deleted,
    skipped: o.skipped,
    memoryBytes: o.plan.memoryBytes,
    memoryAfterBytes: o.memoryAfterBytes,
  };
}
