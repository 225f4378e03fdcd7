import { loadConfig, type LoadedConfig } from './config/load.js';
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
}

/** Loads the config named by -c / LAUNCHCTL_CONFIG with --redis applied. */
export function loadContextConfig(ctx: CommandContext): Promise<LoadedConfig> {
  return loadConfig({ cwd: ctx.cwd, env: ctx.env, configPath: ctx.globals.config, redisUrl: ctx.globals.redis });
}
