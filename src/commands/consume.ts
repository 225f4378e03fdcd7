// `launchctl consume`: parses the flags, runs the consumer-group worker
// (domain/engagement/consumer.ts runConsume), prints progress and the totals
// (docs/consume.md).
import { loadContextConfig, type CommandContext } from '../context.js';
import { defaultConsumerName, runConsume } from '../domain/engagement/consumer.js';
import { renderTotals } from '../domain/engagement/render.js';
import { parseDuration, parsePositiveInt } from '../util/duration.js';

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

  if (!once) ctx.out.info(`consume: consumer ${consumer} of group ${config.streams.group}${ctx.out.decorate ? ' (Ctrl-C to stop)' : ''}`);
  let lastNoteAt = Date.now();
  const totals = await runConsume({
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
  const durationMs = Date.now() - totals.startedAt;
  if (ctx.out.json) {
    const { startedAt: _startedAt, ...rest } = totals;
    ctx.out.printJson({ ...rest, durationMs });
  } else {
    ctx.out.result(renderTotals(totals, Date.now()));
  }
  return 0;
}
