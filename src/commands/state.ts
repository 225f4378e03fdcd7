// `launchctl state`: one user's conversion state, or the summary of all users
// from the counters (`--summary`), recomputed from every key (`--deep`), with
// corrupt values reset and the counters rewritten (`--repair --yes`).
import { createInterface } from 'node:readline/promises';
import type { CommandContext } from '../context.js';
import { loadContextConfig } from '../context.js';
import { scanNodes, withRedis, type RedisClient } from '../adapters/redis.js';
import type { LaunchConfig } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { createKeys, type Keys } from '../keys.js';
import { scanConversionStates, type DeepScanResult } from '../domain/state/deep-scan.js';
import { renderCorrupt, renderSummary, renderUserState, describeCountersDrift } from '../domain/state/render.js';
import { checkStateValue } from '../domain/state/state-value.js';
import { readConversionSummary, writeConversionCounters, type CountersSummary } from '../domain/state/summary.js';
import { formatDuration } from '../util/duration.js';

export interface StateOptions {
  summary?: boolean;
  deep?: boolean;
  repair?: boolean;
  yes?: boolean;
}

export async function stateCommand(ctx: CommandContext, userId: string | undefined, options: StateOptions = {}): Promise<number> {
  checkStateFlags(userId, options);
  const { config } = await loadContextConfig(ctx);
  const keys = createKeys(config.redis.keyPrefix);
  return withRedis(config.redis, (redis) => {
    if (userId !== undefined) return showUser(ctx, redis, keys, userId);
    if (!options.deep) return showCounters(ctx, redis, keys);
    return showDeep(ctx, redis, keys, config, options);
  });
}

/** Bad flag combinations are usage errors before anything connects. */
export function checkStateFlags(userId: string | undefined, options: StateOptions): void {
  if (options.deep && !options.summary) throw new UsageError('--deep works with --summary (launchctl state --summary --deep)');
  if (options.repair && !options.deep) throw new UsageError('--repair works with --deep (launchctl state --summary --deep --repair)');
  if (userId !== undefined && options.summary) throw new UsageError('give either a userId or --summary, not both');
  if (userId === undefined && !options.summary) throw new UsageError('state: give a userId (launchctl state <userId>) or --summary');
  if (userId !== undefined && userId.trim() === '') throw new UsageError('userId: expected a user id, received an empty string');
}

async function showUser(ctx: CommandContext, redis: RedisClient, keys: Keys, userId: string): Promise<number> {
  const key = keys.convState(userId);
  const [raw, pttl] = await Promise.all([redis.get(key), redis.pttl(key)]);
  const nowMs = Date.now();
  if (raw === null) {
    ctx.out.info(`no conversion state for user ${userId} (key ${key}): the user has no processed events, or the state expired (conversion.stateTtl)`);
    if (ctx.out.json) ctx.out.printJson({ userId, found: false, variant: null, confidence: null, lastUpdated: null, ttl: null });
    return 1;
  }
  const ttl = pttl >= 0 ? Math.ceil(pttl / 1000) : null;
  const check = checkStateValue(raw);
  if (!check.ok) {
    ctx.out.info(`the state of user ${userId} (key ${key}) is corrupt: ${check.reason}; launchctl state --summary --deep --repair resets it`);
    if (ctx.out.json) ctx.out.printJson({ userId, found: true, corrupt: check.reason, variant: null, confidence: null, lastUpdated: null, ttl });
    return 1;
  }
  const { state } = check;
  if (ctx.out.json) {
    ctx.out.printJson({ userId, found: true, variant: state.variant, confidence: state.confidence, lastUpdated: state.lastUpdated, ttl });
  } else {
    ctx.out.result(renderUserState({ userId, key, state, ttlS: ttl }, { nowMs }));
  }
  return 0;
}

async function showCounters(ctx: CommandContext, redis: RedisClient, keys: Keys): Promise<number> {
  const counters = await readConversionSummary(redis, keys);
  const nowMs = Date.now();
  if (ctx.out.json) {
    ctx.out.printJson({ source: 'counters', ...counters, corrupt: null, corruptKeys: [] });
    return 0;
  }
  const updated = counters.updatedAt === null ? 'never updated' : `updated ${formatDuration(Math.max(0, nowMs - counters.updatedAt))} ago`;
  ctx.out.result(`${counters.total} users (from the counters, ${updated})\n`);
  ctx.out.result(renderSummary(counters, { decorate: ctx.out.decorateStdout, paint: ctx.out.paint, nowMs }));
  ctx.out.result(`\nevents applied ${counters.events}, dead-lettered ${counters.deadLettered}`);
  if (counters.updatedAt === null) {
    ctx.out.info(`the counters (${keys.convStats()}) are empty: consume has not run against this Redis and key prefix; --deep recomputes from the state keys`);
  }
  return 0;
}

async function showDeep(ctx: CommandContext, redis: RedisClient, keys: Keys, config: LaunchConfig, options: StateOptions): Promise<number> {
  const counters = await readConversionSummary(redis, keys);
  const repairNow = options.repair === true && options.yes === true;
  let result = await runDeepScan(ctx, redis, keys, config, repairNow);
  let repaired = repairNow;
  if (options.repair && !options.yes && canAsk(ctx)) {
    printDeep(ctx, result, counters, false, false, keys);
    const corruptNote = result.corrupt > 0 ? `reset ${result.corrupt} corrupt value(s) to the default state and ` : '';
    if (await askYesNo(ctx, `${corruptNote}rewrite the counters from the keys?`)) {
      result = await runDeepScan(ctx, redis, keys, config, true);
      repaired = true;
    } else {
      return result.corrupt > 0 ? 1 : 0;
    }
  }
  // A partial scan (Ctrl-C) must not become the counters.
  const rewrite = repaired && !result.interrupted;
  if (rewrite) await writeConversionCounters(redis, keys, result, Date.now());
  if (result.interrupted) ctx.out.warn(`interrupted: partial counts from the ${result.scanned} keys read so far${repaired ? '; the counters were not rewritten' : ''}`);
  if (ctx.out.json) {
    ctx.out.printJson({
      source: 'deep',
      total: result.total,
      variants: result.variants,
      histogram: result.histogram,
      corrupt: result.corrupt,
      corruptKeys: result.corruptKeys.map((c) => c.key),
      corruptDetails: result.corruptKeys,
      scanned: result.scanned,
      vanished: result.vanished,
      repaired: result.repaired,
      countersRewritten: rewrite,
      interrupted: result.interrupted,
      counters: { total: counters.total, variants: counters.variants, histogram: counters.histogram },
    });
  } else {
    printDeep(ctx, result, counters, repaired, rewrite, keys);
  }
  if (options.repair && !repaired && !canAsk(ctx)) {
    ctx.out.info(
      `--repair without --yes changes nothing: it would reset ${result.corrupt} corrupt value(s) and rewrite ${keys.convStats()} from the keys. Run again with --yes.`,
    );
  }
  // A value that was still corrupt after the run is a failed check (exit 1), so a CI job notices.
  return result.corrupt > 0 && !repaired ? 1 : 0;
}

async function runDeepScan(ctx: CommandContext, redis: RedisClient, keys: Keys, config: LaunchConfig, repair: boolean): Promise<DeepScanResult> {
  let dbKeys = 0;
  for (const node of scanNodes(redis)) dbKeys += await node.dbsize();
  const progress = ctx.out.progress(repair ? 'reading and repairing state keys' : 'reading state keys', dbKeys);
  try {
    return await scanConversionStates(redis, keys, {
      signal: ctx.signal,
      onProgress: (n) => progress.tick(n),
      repair: repair ? { stateTtlS: config.conversion.stateTtl, nowMs: Date.now() } : undefined,
    });
  } finally {
    progress.done();
  }
}

function printDeep(ctx: CommandContext, result: DeepScanResult, counters: CountersSummary, repaired: boolean, rewritten: boolean, keys: Keys): void {
  if (ctx.out.json) return;
  const nowMs = Date.now();
  ctx.out.result(`${result.total} users (from ${result.scanned} state keys${result.vanished > 0 ? `, ${result.vanished} expired during the scan` : ''})\n`);
  ctx.out.result(renderSummary(result, { decorate: ctx.out.decorateStdout, paint: ctx.out.paint, nowMs }));
  ctx.out.result('');
  ctx.out.result(renderCorrupt(result.corrupt, result.corruptKeys, ctx.out.paint));
  if (repaired) {
    ctx.out.result(`repaired: ${result.repaired} reset to the default state${result.corrupt > result.repaired ? `, ${result.corrupt - result.repaired} changed since they were read (left alone)` : ''}${rewritten ? '; counters rewritten' : ''}`);
    return;
  }
  if (result.interrupted) return;
  const drift = describeCountersDrift(counters, result);
  if (drift.length === 0) ctx.out.result(`counters (${keys.convStats()}) agree with the keys`);
  else ctx.out.result(`counters (${keys.convStats()}) differ from the keys: ${drift.slice(0, 6).join('; ')}${drift.length > 6 ? '; ...' : ''}`);
}

function canAsk(ctx: CommandContext): boolean {
  return !ctx.out.json && ctx.out.decorate && process.stdin.isTTY === true;
}

async function askYesNo(ctx: CommandContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: ctx.out.stderr as NodeJS.WritableStream });
  try {
    const answer = await rl.question(`${question} [y/N] `, { signal: ctx.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}
