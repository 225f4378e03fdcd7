// `launchctl consume`: the consumer-group worker (docs/consume.md).
import { closeRedis, connectRedis } from '../adapters/redis.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { defaultConsumerName, runConsumer, type ConsumeTotals } from '../domain/engagement/consumer.js';
import { formatDuration, parseDuration, parsePositiveInt } from '../util/duration.js';

/** How often a long run prints a progress line on stderr. */
const PROGRESS_EVERY_MS = 10_000;

export interface ConsumeCommandOptions {
  once?: boolean;
  consumer?: string;
  batch?: string;
  block?: string;
  maxDeliveries?: string;
  reclaimIdle?: string;
  forgetIdle?: string;
}

export async function consumeCommand(ctx: CommandContext, options: ConsumeCommandOptions = {}): Promise<number> {
  const batch = parsePositiveInt(options.batch ?? '500', '--batch');
  const blockMs = parseDuration(options.block ?? '2s', '--block');
  const maxDeliveries = parsePositiveInt(options.maxDeliveries ?? '5', '--max-deliveries');
  const reclaimIdleMs = parseDuration(options.reclaimIdle ?? '30s', '--reclaim-idle');
  const forgetIdleMs = parseDuration(options.forgetIdle ?? '1h', '--forget-idle');
  const consumer = options.consumer ?? defaultConsumerName();
  const once = options.once ?? false;
  const { config } = await loadContextConfig(ctx);

  // --once fails fast like any one-shot command. A long run rides out restarts:
  // commands reconnect forever but fail fast (and by redis.commandTimeoutMs)
  // while Redis is away, so the worker can back off and say so; the reader's
  // XREADGROUP BLOCK gets its block time plus the deadline.
  const client = await connectRedis(config.redis, once ? 'oneshot' : 'patient');
  let totals: ConsumeTotals;
  try {
    const reader = await connectRedis(config.redis, once ? 'oneshot' : 'blocking');
    try {
      if (!once) ctx.out.info(`consume: consumer ${consumer} of group ${config.streams.group}${ctx.out.decorate ? ' (Ctrl-C to stop)' : ''}`);
      let lastNoteAt = Date.now();
      totals = await runConsumer({
        client,
        reader,
        config,
        consumer,
        batch,
        blockMs,
        maxDeliveries,
        reclaimIdleMs,
        forgetIdleMs,
        once,
        signal: ctx.signal,
        onWarn: (text) => ctx.out.warn(text),
        onBatch: (t) => {
          if (Date.now() - lastNoteAt < PROGRESS_EVERY_MS) return;
          lastNoteAt = Date.now();
          ctx.out.info(`consume: ${renderTotals(t, Date.now())}`);
        },
      });
    } finally {
      await closeRedis(reader);
    }
  } finally {
    await closeRedis(client);
  }
  const durationMs = Date.now() - totals.startedAt;
  if (ctx.out.json) {
    const { startedAt: _startedAt, ...rest } = totals;
    ctx.out.printJson({ ...rest, durationMs });
  } else {
    ctx.out.result(renderTotals(totals, Date.now()));
  }
  return 0;
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
