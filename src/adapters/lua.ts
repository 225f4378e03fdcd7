// The one Lua loader, in bullmq's style (STYLE.md habit 8). Each script is a
// file beside the module that owns it, with a header naming every KEYS and
// ARGV. It is registered on a client with ioredis' defineCommand under a
// versioned name, `launchctl_<name>_<first 8 hex of the text's SHA-1>`: ioredis
// sends EVALSHA and falls back to EVAL on NOSCRIPT (in pipelines too), and an
// app that shares its client with two versions of launchctl never runs the
// other version's script under the same name.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ChainableCommander } from 'ioredis';

export type ScriptArg = string | number;

export interface LuaScript {
  readonly name: string;
  /**
   * How many KEYS the script takes, or undefined when it varies: callers then
   * pass the count as the first argument, as with EVAL.
   */
  readonly numberOfKeys: number | undefined;
  /** The script's text (read from its file on first use). */
  readonly lua: string;
  /** The versioned command name it is registered under. */
  readonly command: string;
  /** SHA-1 of the text, for EVALSHA. */
  readonly sha: string;
}

/** A script in `file` beside the module at `moduleUrl` (pass import.meta.url). */
export function luaScript(name: string, moduleUrl: string, file: string, numberOfKeys?: number): LuaScript {
  let lua: string | undefined;
  let command: string | undefined;
  let sha: string | undefined;
  const read = () => (lua ??= readFileSync(new URL(file, moduleUrl), 'utf8'));
  const digest = () => (sha ??= createHash('sha1').update(read()).digest('hex'));
  return {
    name,
    numberOfKeys,
    get lua() {
      return read();
    },
    get command() {
      return (command ??= `launchctl_${name}_${digest().slice(0, 8)}`);
    },
    get sha() {
      return digest();
    },
  };
}

type Caller = (...args: ScriptArg[]) => Promise<unknown>;
/** Anything defineCommand works on: a Redis, a Cluster, or one node of a cluster. */
interface ScriptHost {
  defineCommand(name: string, definition: { lua: string; numberOfKeys?: number }): void;
}

/** Registers the scripts on a client once (idempotent). A pipeline sees only scripts registered before it was made. */
export function prepareScripts(client: ScriptHost, ...scripts: LuaScript[]): void {
  for (const script of scripts) {
    if (typeof (client as unknown as Record<string, unknown>)[script.command] === 'function') continue;
    client.defineCommand(script.command, { lua: script.lua, ...(script.numberOfKeys === undefined ? {} : { numberOfKeys: script.numberOfKeys }) });
  }
}

/** Runs a script: its KEYS then its ARGV (with the KEYS count first when numberOfKeys is undefined). */
export function runScript(client: ScriptHost, script: LuaScript, args: readonly ScriptArg[]): Promise<unknown> {
  prepareScripts(client, script);
  const call = (client as unknown as Record<string, Caller>)[script.command]!;
  return call.apply(client, args as ScriptArg[]);
}

/** Queues a script on a pipeline of a client that prepareScripts readied; the reply comes from exec(). */
export function queueScript(pipeline: ChainableCommander, script: LuaScript, args: readonly ScriptArg[]): void {
  const call = (pipeline as unknown as Record<string, Caller | undefined>)[script.command];
  if (!call) throw new Error(`Lua script ${script.name} was not prepared on the client before its pipeline was made`);
  void call.apply(pipeline, args as ScriptArg[]);
}

/** A connection that only sends raw commands (ingest's, which bypasses ioredis' command objects). */
export interface CommandSender {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

/** Runs a script over a raw connection: EVALSHA, then EVAL once if the server does not have it (NOSCRIPT), as defineCommand does. */
export async function evalScript(sender: CommandSender, script: LuaScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
  try {
    return await sender.call('EVALSHA', script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
    return sender.call('EVAL', script.lua, keys.length, ...keys, ...args);
  }
}
