// `launchctl rehearse` (and `npm start`): a launch rehearsal on this machine
// with nothing set up. Builds one environment (throwaway redis-server or
// --redis, the stand-in site, a temporary config), runs the rehearsal steps
// against it, prints each step's section, and always cleans up — also on an
// error or Ctrl-C.
import type { CommandContext } from '../context.js';
import { UsageError } from '../errors.js';
import { parseRedisUrl } from '../config/redis-url.js';
import { CLUSTER_MASTERS, createRehearsalEnv, type RehearsalEnv } from '../rehearse/environment.js';
import { runRehearsal } from '../rehearse/run.js';
import { rehearsalSteps, type RehearsalSection } from '../rehearse/steps.js';
import type { Spinner } from '../output/output.js';
import type { Paint } from '../output/terminal.js';
import { formatDuration, parseDuration, parsePositiveInt } from '../util/duration.js';

export interface RehearseCommandOptions {
  duration?: string;
  users?: string;
  keep?: boolean;
  cluster?: boolean;
}

/** Enough simulated users to give --predictive a clear signal, in well under a second of XADDs. */
const MAX_USERS = 200_000;
const WARM_ROUNDS = 3;

/** Pure: one section as printed. */
export function renderSection(section: RehearsalSection, paint: Paint): string {
  const mark = section.ok ? paint('green', '✓') : paint('red', '✗');
  return [`${mark} ${paint('bold', section.title)}`, ...section.lines.map((l) => `    ${l}`)].join('\n');
}

/** Pure: the Redis the rehearsal runs on, as the header names it. */
export function describeRedis(env: Pick<RehearsalEnv, 'ownRedis' | 'redisLabel' | 'clusterNodes' | 'config'>): string {
  const keys = env.config.redis.keyPrefix === '' ? '' : ` (keys under ${env.config.redis.keyPrefix}*)`;
  if (env.clusterNodes === null) return env.ownRedis ? `throwaway redis-server ${env.redisLabel}` : `Redis ${env.redisLabel}${keys}`;
  if (env.ownRedis) return `throwaway ${env.clusterNodes.length}-master cluster ${env.clusterNodes.join(',')}${keys}`;
  return `Redis Cluster (seed ${env.redisLabel})${keys}`;
}

export async function rehearseCommand(ctx: CommandContext, options: RehearseCommandOptions): Promise<number> {
  const users = parsePositiveInt(options.users ?? '2000', '--users');
  if (users > MAX_USERS) throw new UsageError(`--users: at most ${MAX_USERS}, received ${users}`);
  const durationMs = parseDuration(options.duration ?? '10s', '--duration');
  if (ctx.globals.redis !== undefined) parseRedisUrl(ctx.globals.redis, '--redis');
  const out = ctx.out;
  const started = performance.now();

  const cluster = options.cluster === true;
  let spinner: Spinner | null = await out.spinner(
    ctx.globals.redis ? 'starting the stand-in site' : `starting a throwaway ${cluster ? `${CLUSTER_MASTERS}-master Redis Cluster` : 'redis-server'} and the stand-in site`,
  );
  let env: RehearsalEnv | undefined;
  let cleanup: { cleaned: string[]; failed: string[] } = { cleaned: [], failed: [] };
  try {
    env = await createRehearsalEnv({ redisUrl: ctx.globals.redis, cluster, keep: options.keep === true, signal: ctx.signal, env: ctx.env });
    spinner.stop();
    spinner = null;
    out.result(`launchctl rehearse: ${describeRedis(env)} · stand-in site ${env.site.origin}\n`);
    const outcome = await runRehearsal(env, rehearsalSteps({ users, warmRounds: WARM_ROUNDS, durationMs }), {
      onStepStart: async (step) => {
        spinner = await out.spinner(step.title);
      },
      onStepEnd: (section) => {
        spinner?.stop();
        spinner = null;
        out.result(renderSection(section, out.paint));
      },
    });
    const site = env.site.origin;
    const configPath = options.keep ? env.configPath : null;
    cleanup = await env.cleanup.runAll();
    const elapsedMs = Math.round(performance.now() - started);
    if (out.json) {
      out.printJson({
        ok: outcome.ok,
        interrupted: outcome.interrupted,
        durationMs: elapsedMs,
        settings: { users, durationMs },
        environment: { redis: env.redisLabel, ownRedis: env.ownRedis, cluster: env.clusterNodes !== null, clusterNodes: env.clusterNodes, site, configPath },
        sections: outcome.sections,
        cleanup,
      });
    } else {
      const verdict = outcome.interrupted ? 'rehearsal interrupted' : outcome.ok ? out.paint('green', 'rehearsal passed') : out.paint('red', 'rehearsal failed');
      out.result(`\n${verdict} in ${formatDuration(elapsedMs)}`);
      out.result(`cleaned up: ${cleanup.cleaned.join(', ')}`);
      if (configPath) out.result(`kept: ${configPath}${env.configOmitsRedisUrl ? ' (without the Redis URL, which holds a password: give it with REDIS_URL or --redis)' : ''}`);
      for (const f of cleanup.failed) out.warn(`cleanup: ${f}`);
    }
    return outcome.ok ? 0 : 1;
  } finally {
    spinner?.stop();
    // An error before the report: nothing may be left behind.
    if (env) await env.cleanup.runAll();
  }
}
