// `launchctl ph`: the launch's votes, comments, approximate rank and velocity
// (status), the recorded series (history) and today's leaderboard, all through
// the shared Redis cache and the rate-limit-aware queue (src/domain/ph/service.ts).
import type { CommandContext } from '../context.js';
import { loadContextConfig } from '../context.js';
import { withRedis, type RedisClient } from '../adapters/redis.js';
import type { LaunchConfig } from '../config/schema.js';
import { ensurePhSettings } from '../adapters/producthunt/client.js';
import { renderPhHistory, renderPhLeaderboard, renderPhStatus } from '../domain/ph/render.js';
import { DEFAULT_MAX_WAIT_MS, getPhLeaderboard, getPhStatus, readPhHistory, type PhServiceOptions } from '../domain/ph/service.js';
import { formatDuration, parseDuration } from '../util/duration.js';

export interface PhFetchOptions {
  fresh?: boolean;
  /** Longest wait for a spent budget to reset (`--wait 30s`). */
  wait?: string;
}

export interface PhHistoryOptions {
  since?: string;
}

const DEFAULT_HISTORY_SINCE = '24h';

async function withPh<T>(ctx: CommandContext, fn: (config: LaunchConfig, redis: RedisClient) => Promise<T>): Promise<T> {
  const { config } = await loadContextConfig(ctx);
  // Before connecting: a missing productHunt section is a config error (exit 2), not a Redis one.
  ensurePhSettings(config);
  return withRedis(config.redis, (redis) => fn(config, redis));
}

function serviceOptions(ctx: CommandContext, config: LaunchConfig, redis: RedisClient, options: PhFetchOptions): PhServiceOptions {
  const maxWaitMs = options.wait !== undefined ? parseDuration(options.wait, '--wait') : DEFAULT_MAX_WAIT_MS;
  return {
    config,
    redis,
    env: ctx.env,
    fresh: options.fresh ?? false,
    signal: ctx.signal,
    maxWaitMs,
    onWait: (reason, ms) => ctx.out.info(`${reason} (${ms >= 60_000 ? `up to ${formatDuration(ms)}` : formatDuration(ms)})`),
    onWarning: (text) => ctx.out.warn(text),
  };
}

export async function phStatusCommand(ctx: CommandContext, options: PhFetchOptions = {}): Promise<number> {
  if (options.wait !== undefined) parseDuration(options.wait, '--wait');
  return withPh(ctx, async (config, redis) => {
    const status = await getPhStatus({ ...serviceOptions(ctx, config, redis, options), cacheOnly: false });
    if (status.stale) ctx.out.warn(`the rate-limit budget is spent: showing the cached answer from ${formatDuration(Date.now() - status.fetchedAt)} ago`);
    if (ctx.out.json) ctx.out.printJson(status);
    else ctx.out.result(renderPhStatus(status, Date.now(), ctx.out.paint));
    return 0;
  });
}

export async function phLeaderboardCommand(ctx: CommandContext, options: PhFetchOptions = {}): Promise<number> {
  if (options.wait !== undefined) parseDuration(options.wait, '--wait');
  return withPh(ctx, async (config, redis) => {
    const board = await getPhLeaderboard({ ...serviceOptions(ctx, config, redis, options), cacheOnly: false });
    // cacheOnly is false, so the service fetched or threw.
    if (!board) return 1;
    if (board.stale) ctx.out.warn(`the rate-limit budget is spent: showing the cached leaderboard from ${formatDuration(Date.now() - board.fetchedAt)} ago`);
    if (ctx.out.json) ctx.out.printJson({ post: config.productHunt!.post, ...board });
    else ctx.out.result(renderPhLeaderboard(board, Date.now(), ctx.out.decorateStdout, ctx.out.paint));
    return 0;
  });
}

export async function phHistoryCommand(ctx: CommandContext, options: PhHistoryOptions = {}): Promise<number> {
  const sinceMs = Date.now() - parseDuration(options.since ?? DEFAULT_HISTORY_SINCE, '--since');
  return withPh(ctx, async (config, redis) => {
    const post = config.productHunt!.post;
    const points = await readPhHistory(redis, config, sinceMs);
    if (ctx.out.json) ctx.out.printJson({ post, since: sinceMs, points });
    else ctx.out.result(renderPhHistory(post, points, sinceMs, ctx.out.decorateStdout));
    return 0;
  });
}
