// Recognising Redis connection failures by code and error class (STYLE.md
// habit 6). No ioredis import: the entry point uses this on its error path
// without loading the client.
import { maskUrl } from '../config/load.js';
import { UnreachableError, errorCode } from '../errors.js';

/** Human cause of a connection failure: "ECONNREFUSED", "authentication failed"... */
export function describeConnectError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(message)) return 'authentication failed: check the user and password in the URL';
  if (code) return code;
  if (/timeout/i.test(message)) return 'ETIMEDOUT';
  return message.replace(/\s+/g, ' ').slice(0, 120);
}

/** Errors that mean the connection is gone, as opposed to a reply error from Redis. */
export function isConnectionError(err: unknown): boolean {
  const code = errorCode(err);
  if (code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  const name = (err as { name?: string } | null)?.name;
  return name === 'MaxRetriesPerRequestError' || (err instanceof Error && /Connection is closed|Stream isn't writeable/.test(err.message));
}

/**
 * A connection that dropped in the middle of a command (a long ingest, a deep
 * scan, a trim) is a dependency failure (exit 3) naming the masked URL, not a bug.
 */
export function lostRedisError(url: string | undefined, err: unknown): UnreachableError {
  const where = url ? ` at ${maskUrl(url)}` : '';
  return new UnreachableError(`lost the connection to Redis${where} (${describeConnectError(err)})`, errorCode(err), {
    cause: err,
    details: ['what was reported as done before this line was written; run the command again when Redis is back'],
  });
}

/** Reply-error codes that say "not now", never "not this entry": the same command may succeed later. */
const TRANSIENT_REPLY_CODES = new Set(['OOM', 'READONLY', 'LOADING', 'BUSY', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'MISCONF', 'NOREPLICAS']);

/** The first word of a Redis error reply ("OOM", "READONLY", "NOGROUP"...), read without importing ioredis. */
export function replyErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  return /^([A-Z][A-Z_-]+)\b/.exec(err.message)?.[1];
}

/** A command that got no answer within redis.commandTimeoutMs (ioredis rejects with this message). */
export function isCommandTimeout(err: unknown): boolean {
  return err instanceof Error && err.message === 'Command timed out';
}

/**
 * Redis refused or could not answer for a reason that passes (memory, a
 * failover, a restart, a lost or silent connection): retrying later can work,
 * and the work it was given is not at fault.
 */
export function isTransientRedisError(err: unknown): boolean {
  const code = replyErrorCode(err);
  if (code) return TRANSIENT_REPLY_CODES.has(code);
  return isConnectionError(err) || isCommandTimeout(err);
}

/** ioredis sets `isCluster` on both of its client classes: true on a Cluster, whichever ioredis copy made it. */
export function isClusterClient(client: unknown): boolean {
  return (client as { isCluster?: unknown } | null)?.isCluster === true;
}
