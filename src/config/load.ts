import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import type { LaunchConfig } from './schema.js';
import { validateConfig } from './validate.js';
import { DEFAULT_CONFIG_FILE, makeConfigCommand } from './newcomer.js';
import { parseRedisUrl } from './redis-url.js';


export { DEFAULT_CONFIG_FILE };

export interface LoadConfigOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** `-c FILE`; falls back to LAUNCHCTL_CONFIG, then ./launch.config.json. */
  configPath?: string;
  /** `--redis URL`; wins over the environment and the file. */
  redisUrl?: string;
  /**
   * A verb's flags that stand for config fields (`warm --sitemap` is
   * warm.sitemap, `--concurrency` is warm.concurrency): they replace the file's
   * values here, once, so the verb's executor reads one config. Undefined
   * values are ignored. The command has already checked them.
   */
  overrides?: ConfigOverrides;
}

/** Per section, the fields a verb's flags replace. */
export type ConfigOverrides = { [S in keyof LaunchConfig]?: LaunchConfig[S] extends object ? Partial<NonNullable<LaunchConfig[S]>> : never };

export interface LoadedConfig {
  config: LaunchConfig;
  /** The file read, or null when no file exists at the default path (defaults only). */
  path: string | null;
  /** Where the Redis URL came from, for messages: "--redis", "REDIS_URL", the file, or the default. */
  redisUrlSource: string;
  /** The absolute path of the file looked for (read, or missing when `path` is null). */
  lookedFor: string;
}

/** Line and column of a JSON.parse "at position N" error, for a message a user can act on. */
function jsonErrorLocation(text: string, err: unknown): string {
  const m = /position (\d+)/.exec(err instanceof Error ? err.message : '');
  if (!m) return '';
  const pos = Number(m[1]);
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${col}`;
}

/**
 * Reads the config file and applies, in order: defaults, the file, the
 * environment (the variable named by redis.urlEnv, REDIS_URL by default), flags.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = options.configPath ?? env.LAUNCHCTL_CONFIG;
  const path = resolve(cwd, explicit ?? DEFAULT_CONFIG_FILE);

  let raw: unknown = {};
  let usedPath: string | null = path;
  let text: string | undefined;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && explicit === undefined) {
      usedPath = null;
    } else if (code === 'ENOENT') {
      const via = options.configPath !== undefined ? '-c' : 'LAUNCHCTL_CONFIG';
      throw new ConfigError(`config file not found: ${path} (named by ${via})`, [`make one: ${makeConfigCommand(cwd, explicit)}, or fix the path given to ${via}`]);
    } else {
      throw new ConfigError(`cannot read config file ${path}: ${code ?? String(err)}`);
    }
  }
  if (text !== undefined) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new ConfigError(`${path}: not valid JSON${jsonErrorLocation(text, err)}`, [], { cause: err });
    }
  }

  const result = validateConfig(raw);
  if (!result.ok) {
    throw new ConfigError(`invalid config ${usedPath ?? '(defaults)'}:`, result.errors);
  }
  const config = result.config;
  let redisUrlSource = usedPath && (raw as { redis?: { url?: unknown } }).redis?.url ? usedPath : 'default';
  const envUrl = env[config.redis.urlEnv];
  if (envUrl) {
    config.redis.url = envUrl;
    redisUrlSource = config.redis.urlEnv;
  }
  if (options.redisUrl) {
    config.redis.url = options.redisUrl;
    redisUrlSource = '--redis';
  }
  for (const [section, fields] of Object.entries(options.overrides ?? {})) {
    const target = config[section as keyof LaunchConfig] as Record<string, unknown> | undefined;
    if (!target || !fields) continue;
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) if (value !== undefined) target[field] = value;
  }
  parseRedisUrl(config.redis.url, redisUrlSource === usedPath ? `redis.url in ${usedPath}` : redisUrlSource === 'default' ? 'redis.url' : redisUrlSource);
  return { config, path: usedPath, redisUrlSource, lookedFor: path };
}

/** Value of a secret named by an env-var field, or undefined when unset or empty. */
export function readSecret(env: NodeJS.ProcessEnv, name: string | undefined): string | undefined {
  if (!name) return undefined;
  const v = env[name];
  return v === undefined || v === '' ? undefined : v;
}
