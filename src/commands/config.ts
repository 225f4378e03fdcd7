import { z } from 'zod';
import { readSecret } from '../config/load.js';
import { missingConfigDetails } from '../config/newcomer.js';
import { maskUrl } from '../util/mask.js';
import { configSchema, type LaunchConfig } from '../config/schema.js';
import { loadContextConfig, type CommandContext } from '../context.js';

/** Names of the environment variables the config points at, and whether each is set (never the value). */
export function secretsStatus(config: LaunchConfig, env: NodeJS.ProcessEnv): Record<string, 'set' | 'unset'> {
  const names = [config.redis.urlEnv];
  if (config.site?.revalidate) names.push(config.site.revalidate.secretEnv);
  if (config.productHunt) names.push(config.productHunt.tokenEnv, config.productHunt.clientIdEnv, config.productHunt.clientSecretEnv);
  return Object.fromEntries(names.map((n) => [n, readSecret(env, n) ? 'set' : 'unset']));
}

export async function configCheckCommand(ctx: CommandContext): Promise<number> {
  const { config, path, redisUrlSource, lookedFor } = await loadContextConfig(ctx);
  if (path === null) {
    // Valid, but likely a newcomer: say where the file was looked for and how to make one.
    const { message, hint } = missingConfigDetails(lookedFor, ctx.cwd, ctx.env);
    ctx.out.warn(`${message}\n  ${hint}`);
  }
  const masked = { ...config, redis: { ...config.redis, url: maskUrl(config.redis.url) } };
  const env = secretsStatus(config, ctx.env);
  if (ctx.out.json) {
    ctx.out.printJson({ valid: true, path, redisUrlSource, env, config: masked });
    return 0;
  }
  ctx.out.result(
    [
      `config: ${path ?? '(no file: defaults only)'} is valid`,
      `redis.url from ${redisUrlSource}`,
      `environment: ${Object.entries(env).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      JSON.stringify(masked, null, 2),
    ].join('\n'),
  );
  return 0;
}

export function configSchemaCommand(ctx: CommandContext): Promise<number> {
  // io: 'input' so fields with defaults are optional, as a user writes the file.
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' });
  ctx.out.stdout.write(`${JSON.stringify(schema, null, 2)}\n`);
  return Promise.resolve(0);
}
