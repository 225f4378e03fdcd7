// One way to send a batch of commands, whatever the deployment: the callers
// say what to send, this decides how. On a single Redis the batch is one
// pipeline (one round trip). On a cluster a pipeline cannot span hash slots, so
// each command goes to the node that owns its key, all at once. Either way the
// answer is one [error, reply] pair per command, in order, like
// pipeline.exec(): a refused command is a reply, not a throw.
import type { Redis } from 'ioredis';
import { prepareScripts, queueScript, runScript, type LuaScript, type ScriptArg } from './lua.js';
import { clusterLastError, isClusterClient, isCommandTimeout, isConnectionError } from './redis-errors.js';
import type { RedisClient } from './redis.js';

/** A command and its arguments (`['SET', key, value, 'NX']`), or a Lua script with its arguments. */
export type RedisCommand = readonly ScriptArg[] | { script: LuaScript; args: readonly ScriptArg[] };
export type CommandReply = [Error | null, unknown];

/**
 * The error as the caller should read it: on a cluster, the reply error or lost
 * connection behind ioredis' "Too many Cluster redirections. Last error: ..."
 * (a command retried through a failover until it gave up), so CLUSTERDOWN is a
 * CLUSTERDOWN reply error wherever it is reported.
 */
const asError = (err: unknown) => clusterLastError(err) ?? (err instanceof Error ? err : new Error(String(err)));

/** Sends the commands and returns one [error, reply] per command, in order. Replies are raw RESP (HGETALL is a flat array). */
export async function sendCommands(client: RedisClient | Redis, commands: readonly RedisCommand[]): Promise<CommandReply[]> {
  if (commands.length === 0) return [];
  if (isClusterClient(client)) {
    return Promise.all(
      commands.map((c) => {
        const sent = 'script' in c ? runScript(client, c.script, c.args) : client.call(String(c[0]), ...c.slice(1));
        return sent.then(
          (value): CommandReply => [null, value],
          (err: unknown): CommandReply => [asError(err), null],
        );
      }),
    );
  }
  const scripts = commands.flatMap((c) => ('script' in c ? [c.script] : []));
  if (scripts.length > 0) prepareScripts(client, ...scripts);
  const pipeline = client.pipeline();
  for (const c of commands) {
    if ('script' in c) queueScript(pipeline, c.script, c.args);
    else void pipeline.call(String(c[0]), ...c.slice(1));
  }
  try {
    const replies = (await pipeline.exec()) ?? [];
    return commands.map((_, i) => (replies[i]) ?? [new Error('no reply from Redis'), null]);
  } catch (err) {
    // The whole pipeline failed (the connection is gone): every command failed with it.
    return commands.map((): CommandReply => [asError(err), null]);
  }
}

/** The connection loss or deadline among replies, if any: it failed every command after it, so callers treat it as the outcome. */
export function lostConnection(replies: readonly CommandReply[]): Error | undefined {
  return replies.find(([err]) => err && (isConnectionError(err) || isCommandTimeout(err)))?.[0] ?? undefined;
}
