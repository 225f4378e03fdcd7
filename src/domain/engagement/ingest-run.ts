// The `ingest` executor: the connections, then ingestLines (ndjson.ts).
//
// ingest's connections never reconnect by themselves: ioredis would re-send a
// transaction Redis may already have executed (autoResendUnfulfilledCommands),
// and with that option off ioredis 5 leaves the command's promise pending
// forever (redis/ioredis#2193). ingestLines opens new ones and asks the
// progress record what got in. connectRedis checks the server and the
// credentials and gives the usual errors; the chunks then go through a bare
// RESP connection with the same options (adapters/resp-connection.ts says why),
// except on a cluster.
import type { Redis } from 'ioredis';
import { describeConnectError, isClusterClient, redisFailure, replyErrorCode } from '../../adapters/redis-errors.js';
import { closeRedis, connectRedis, withoutReconnect, type RedisClient } from '../../adapters/redis.js';
import { RespConnection } from '../../adapters/resp-connection.js';
import type { LaunchConfig } from '../../config/schema.js';
import { ConfigError, errorCode, isLaunchctlError, UnreachableError, type LaunchctlError } from '../../errors.js';
import { progressSharesSlot } from '../../keys.js';
import { maskUrl } from '../../util/mask.js';
import { ingestLines, redisConnection, type IngestConnection, type IngestLinesOptions, type NdjsonResult } from './ndjson.js';

export interface RunIngestOptions extends Omit<IngestLinesOptions, 'redis' | 'connection' | 'reconnect' | 'replyTimeoutMs'> {
  config: LaunchConfig;
}

export interface IngestRun extends Omit<NdjsonResult, 'error'> {
  /** What stopped the run early, as the exit-3 error the user reads; absent when it read its input to the end (or Ctrl-C). */
  error?: LaunchctlError;
}

/** Refuses a cluster key prefix that would put the progress record in another slot than the events. */
export function checkIngestConfig(config: LaunchConfig): void {
  if (config.redis.cluster && !progressSharesSlot(config.redis.keyPrefix)) {
    throw new ConfigError('redis.keyPrefix: on a cluster, a prefix with braces must hold a hash tag (`{app}:`), so ingest can write its progress record with the events', ['redis.keyPrefix']);
  }
}

/** Ingests NDJSON from `input` (exactly once across lost connections; docs/ingest.md). Throws UnreachableError when Redis cannot be reached at the start. */
export async function runIngest(input: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, options: RunIngestOptions): Promise<IngestRun> {
  const { config } = options;
  checkIngestConfig(config);
  const closers: (() => Promise<void>)[] = [];
  const connect = async (): Promise<{ client: RedisClient; connection: IngestConnection }> => {
    const client = await connectRedis(config.redis, 'oneshot');
    withoutReconnect(client);
    let connection = redisConnection(client);
    if (!isClusterClient(client)) {
      try {
        const writer = await RespConnection.open((client as Redis).options, config.redis.connectTimeoutMs);
        connection = { ...connection, execChunk: (chunk, maxLen) => writer.execChunk(chunk, maxLen), chunkConnectionId: () => Promise.resolve(writer.id), close: () => (writer.close(), client.disconnect()) };
        closers.push(() => Promise.resolve(writer.close()));
      } catch (err) {
        client.disconnect();
        throw new UnreachableError(`cannot reach Redis at ${maskUrl(config.redis.url)} (${describeConnectError(err)})`, errorCode(err) ?? replyErrorCode(err), { cause: err });
      }
    }
    closers.push(() => closeRedis(client));
    return { client, connection };
  };
  const first = await connect();
  try {
    const result = await ingestLines(input, {
      ...options,
      redis: first.client,
      connection: first.connection,
      reconnect: async () => (await connect()).connection,
      replyTimeoutMs: config.redis.commandTimeoutMs,
    });
    if (!result.error) return { ...result, error: undefined };
    const err = isLaunchctlError(result.error) ? result.error : redisStopError(result.error, config);
    if (!err) throw result.error;
    return { ...result, error: err };
  } finally {
    await Promise.all(closers.map((close) => close()));
  }
}

/**
 * What stopped the run, as the exit-3 error the user reads: a lost or silent
 * connection, or a refusal (READONLY on a replica, NOPERM, WRONGTYPE when the
 * day stream's key holds something else...); undefined for anything else (a bug).
 */
function redisStopError(err: unknown, config: LaunchConfig): UnreachableError | undefined {
  const known = redisFailure(err, { url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs });
  if (known) return known;
  const code = replyErrorCode(err);
  return code === undefined ? undefined : new UnreachableError(`Redis at ${maskUrl(config.redis.url)} refused the command (${code}): ${(err as Error).message.split('\n')[0]}`, code, { cause: err });
}
