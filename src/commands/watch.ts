// `launchctl watch`: the launch-day dashboard (docs/watch.md).
// - TTY: full screen on the alternate screen, redrawn in place; q / Ctrl-C quit,
//   p pauses, resizes redraw at once.
// - not a TTY, CI or NO_COLOR: one line per refresh, like redis-cli --stat.
// - --json: one JSON line per refresh; --once: one snapshot, then exit.
// Redis is read through a `patient` connection: an outage shows as
// "reconnecting" and the view recovers by itself.
import type { CommandContext } from '../context.js';
import { loadContextConfig } from '../context.js';
import { maskUrl } from '../util/mask.js';
import { withRedis, type RedisClient } from '../adapters/redis.js';
import type { LaunchConfig } from '../config/schema.js';
import { EXIT_INTERRUPTED, UsageError } from '../errors.js';
import { createKeys } from '../keys.js';
import { parseDuration } from '../util/duration.js';
import { DEFAULT_REFRESH_TIMEOUT_MS, createWatchCollector, type WatchCollector } from '../domain/watch/collect.js';
import { buildWatchDocument } from '../domain/watch/document.js';
import { createPhPanelSource } from '../domain/watch/ph-panel.js';
import { BASE_SIZE, LINE_HEADER_EVERY, renderDashboard, renderLine, renderLineHeader } from '../domain/watch/render.js';
import type { WatchSnapshot } from '../domain/watch/snapshot.js';
import { ALT_SCREEN_OFF, ALT_SCREEN_ON, CLEAR_BELOW, CLEAR_SCREEN, CURSOR_HIDE, CURSOR_HOME, CURSOR_SHOW, SYNC_BEGIN, SYNC_END } from '../output/terminal.js';
import { sleep, type Wake } from '../util/sleep.js';

export interface WatchOptions {
  interval: string;
  once: boolean;
}

/** What the handler takes from the process; tests may pass their own streams. */
export interface WatchIo {
  stdin: Pick<NodeJS.ReadStream, 'on' | 'off' | 'resume' | 'pause' | 'setEncoding'> & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
}

/** Faster than this, the dashboard itself would be a noticeable load on Redis. */
const MIN_INTERVAL_MS = 100;
/** A slow interval may wait longer for an answer, but an outage still shows within this. */
const MAX_REFRESH_TIMEOUT_MS = 15_000;

export async function watchCommand(ctx: CommandContext, options: WatchOptions, io: WatchIo = { stdin: process.stdin }): Promise<number> {
  const intervalMs = parseDuration(options.interval, '--interval');
  if (intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval: expected at least ${MIN_INTERVAL_MS}ms, received "${options.interval}"`);
  const { config } = await loadContextConfig(ctx);
  // Fails fast (exit 3) when Redis is down at start; after that, outages are shown and waited out.
  let lastClientError: unknown;
  const onError = (err: Error) => {
    lastClientError = err;
  };
  return withRedis(config.redis, (client) => watchWith(ctx, config, client, { once: options.once, intervalMs }, io, () => lastClientError), { mode: 'patient', onError });
}

async function watchWith(ctx: CommandContext, config: LaunchConfig, client: RedisClient, options: { once: boolean; intervalMs: number }, io: WatchIo, lastClientError: () => unknown): Promise<number> {
  const { intervalMs } = options;
  // Ends the Product Hunt refresh in flight when watch ends (q, --once), not only on Ctrl-C:
  // a slow API must not keep the process alive after the view is gone.
  const done = new AbortController();
  const onAbort = () => done.abort();
  ctx.signal.addEventListener('abort', onAbort);
  try {
    const collector = createWatchCollector({
      client,
      config,
      keys: createKeys(config.redis.keyPrefix),
      url: maskUrl(config.redis.url),
      ph: createPhPanelSource({ config, redis: client, env: ctx.env, signal: done.signal, awaitRefresh: options.once }),
      timeoutMs: Math.min(MAX_REFRESH_TIMEOUT_MS, Math.max(DEFAULT_REFRESH_TIMEOUT_MS, intervalMs)),
      lastClientError,
    });
    if (options.once) return await runOnce(ctx, collector);
    if (ctx.globals.json) return await runJson(ctx, collector, intervalMs);
    if (ctx.out.decorateStdout) return await runScreen(ctx, collector, intervalMs, io);
    return await runLines(ctx, collector, intervalMs);
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    done.abort();
  }
}

async function runOnce(ctx: CommandContext, collector: WatchCollector): Promise<number> {
  const snapshot = await collector.collect();
  if (ctx.globals.json) {
    ctx.out.printJson(buildWatchDocument(snapshot));
    return 0;
  }
  const stdout = ctx.out.stdout;
  const size = ctx.out.decorateStdout ? { columns: stdout.columns ?? BASE_SIZE.columns, rows: BASE_SIZE.rows } : BASE_SIZE;
  // Trailing spaces are padding for the full screen; a printed snapshot does not need them.
  const text = renderDashboard(snapshot, size, { paint: ctx.out.paint, unicode: ctx.out.decorateStdout, interactive: false })
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n');
  ctx.out.result(text);
  return 0;
}

/** Tells stderr once when Redis goes away and once when it is back (json and line modes). */
function connectionNotifier(ctx: CommandContext): (s: WatchSnapshot) => void {
  let down = false;
  return (s) => {
    if (!s.redis && !down) ctx.out.info(`reconnecting to ${s.connection.url} (${s.connection.error ?? 'no answer'})`);
    if (s.redis && down) ctx.out.info(`reconnected to ${s.connection.url}`);
    down = !s.redis;
  };
}

async function runJson(ctx: CommandContext, collector: WatchCollector, intervalMs: number): Promise<number> {
  const notify = connectionNotifier(ctx);
  let prev: WatchSnapshot | undefined;
  await every(intervalMs, ctx.signal, async () => {
    const snapshot = await collector.collect();
    notify(snapshot);
    ctx.out.printJson(buildWatchDocument(snapshot, prev));
    if (snapshot.redis) prev = snapshot;
  });
  return 0;
}

async function runLines(ctx: CommandContext, collector: WatchCollector, intervalMs: number): Promise<number> {
  const notify = connectionNotifier(ctx);
  let prev: WatchSnapshot | undefined;
  let printed = 0;
  await every(intervalMs, ctx.signal, async () => {
    const snapshot = await collector.collect();
    notify(snapshot);
    if (printed % LINE_HEADER_EVERY === 0) ctx.out.result(renderLineHeader());
    ctx.out.result(renderLine(snapshot, prev));
    printed++;
    if (snapshot.redis) prev = snapshot;
  });
  return 0;
}

/** Runs `tick` now and then every `intervalMs` (from the start of each tick) until `signal` aborts. */
async function every(intervalMs: number, signal: AbortSignal, tick: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    await tick();
    await sleep(Math.max(0, started + intervalMs - Date.now()), signal);
  }
}

async function runScreen(ctx: CommandContext, collector: WatchCollector, intervalMs: number, io: WatchIo): Promise<number> {
  const stdout = ctx.out.stdout as NodeJS.WriteStream;
  const stdin = io.stdin;
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal.addEventListener('abort', onAbort);
  const wake: Wake = {};
  let exitCode = 0;
  let paused = false;
  let current: WatchSnapshot | undefined;
  let prev: WatchSnapshot | undefined;

  const draw = () => {
    if (!current) return;
    const size = { columns: stdout.columns ?? BASE_SIZE.columns, rows: stdout.rows ?? BASE_SIZE.rows };
    const frame = renderDashboard(current, size, { prev, lastConnected: prev, paint: ctx.out.paint, paused, intervalMs });
    // Home, then overwrite every cell: no clear, so no blank frame in between.
    stdout.write(`${SYNC_BEGIN}${CURSOR_HOME}${frame.split('\n').join('\r\n')}${CLEAR_BELOW}${SYNC_END}`);
  };
  const onKey = (data: Buffer | string) => {
    for (const ch of data.toString()) {
      if (ch === 'q' || ch === 'Q') stop.abort();
      else if (ch === '\x03') {
        exitCode = EXIT_INTERRUPTED;
        stop.abort();
      } else if (ch === 'p' || ch === 'P' || ch === ' ') {
        paused = !paused;
        draw();
        if (!paused) wake.onWake?.();
      }
    }
  };
  const onResize = () => {
    stdout.write(CLEAR_SCREEN);
    draw();
  };
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    stdout.write(`${CURSOR_SHOW}${ALT_SCREEN_OFF}`);
    if (stdin.isTTY) stdin.setRawMode?.(false);
  };

  stdout.write(`${ALT_SCREEN_ON}${CURSOR_HIDE}${CLEAR_SCREEN}`);
  // A forced exit (second SIGTERM) must not leave the terminal on the alternate screen.
  process.once('exit', restore);
  if (stdin.isTTY) stdin.setRawMode?.(true);
  stdin.on('data', onKey);
  stdin.resume();
  stdout.on('resize', onResize);
  try {
    const aborted = new Promise<undefined>((resolve) => stop.signal.addEventListener('abort', () => resolve(undefined)));
    while (!stop.signal.aborted) {
      const started = Date.now();
      if (!paused) {
        const snapshot = await Promise.race([collector.collect(), aborted]);
        if (!snapshot) break;
        if (current?.redis) prev = current;
        current = snapshot;
        draw();
      }
      await sleep(paused ? 3_600_000 : Math.max(0, started + intervalMs - Date.now()), stop.signal, wake);
    }
  } finally {
    stdout.off('resize', onResize);
    stdin.off('data', onKey);
    stdin.pause();
    restore();
    process.off('exit', restore);
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return exitCode;
}
