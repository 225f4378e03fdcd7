// The Lua scripts of the engagement pipeline, registered on a client with
// ioredis defineCommand: it sends EVALSHA and falls back to EVAL on NOSCRIPT,
// inside pipelines too (STYLE.md habit 8).
import type { ChainableCommander } from 'ioredis';
import { readLua, type RedisClient } from '../../adapters/redis.js';

export const SCRIPTS = {
  applyEvents: { command: 'launchctlApplyEvents', file: 'scripts/apply-events.lua' },
  forgetConsumer: { command: 'launchctlForgetConsumer', file: 'scripts/forget-consumer.lua' },
} as const;

export type ScriptName = keyof typeof SCRIPTS;
type Caller = (...args: (string | number)[]) => Promise<unknown>;

const texts = new Map<ScriptName, Promise<string>>();

/** Registers the script on the client once (idempotent). */
export async function ensureScript(client: RedisClient, name: ScriptName): Promise<void> {
  const { command, file } = SCRIPTS[name];
  if (typeof (client as unknown as Record<string, unknown>)[command] === 'function') return;
  let text = texts.get(name);
  if (!text) {
    text = readLua(import.meta.url, file);
    texts.set(name, text);
  }
  client.defineCommand(command, { lua: await text });
}

/** Calls a registered script: numkeys, keys..., args... */
export function callScript(client: RedisClient, name: ScriptName, args: (string | number)[]): Promise<unknown> {
  const call = (client as unknown as Record<string, Caller>)[SCRIPTS[name].command]!;
  return call.apply(client, args);
}

/** Queues a registered script on a pipeline of a prepared client; the reply comes from exec(). */
export function queueScript(pipeline: ChainableCommander, name: ScriptName, args: (string | number)[]): void {
  const call = (pipeline as unknown as Record<string, Caller>)[SCRIPTS[name].command]!;
  void call.apply(pipeline, args);
}
