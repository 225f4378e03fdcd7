import { loadConfig, type ConfigOverrides, type LoadedConfig } from './config/load.js';
import type { Output } from './output/output.js';

/** Options every verb accepts (declared once on the program in cli.ts). */
export interface GlobalOptions {
  config?: string;
  redis?: string;
  json: boolean;
}

/** What a command handler gets from the entry point: no globals, no process.* reads. */
export interface CommandContext {
  globals: GlobalOptions;
  env: NodeJS.ProcessEnv;
  cwd: string;
  out: Output;
  /** Aborted on the first Ctrl-C (SIGINT) or SIGTERM: finish the work in flight, then return. */
  signal: AbortSignal;
  /** What the command talks to, filled when its config is loaded, so the entry point can name it in errors. */
  targets: { redisUrl?: string; redisCommandTimeoutMs?: number; configLookedFor?: string };
}

/** Loads the config named by -c / LAUNCHCTL_CONFIG with --redis and the verb's own overriding flags applied. */
export async function loadContextConfig(ctx: CommandContext, overrides?: ConfigOverrides): Promise<LoadedConfig> {
  const loaded = await loadConfig({ cwd: ctx.cwd, env: ctx.env, configPath: ctx.globals.config, redisUrl: ctx.globals.redis, overrides });
  ctx.targets.redisUrl = loaded.config.redis.url;
  ctx.targets.redisCommandTimeoutMs = loaded.config.redis.commandTimeoutMs;
  ctx.targets.configLookedFor = loaded.path === null ? loaded.lookedFor : undefined;
  return loaded;
}
