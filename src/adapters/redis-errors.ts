// Recognising Redis failures by code and error class (STYLE.md habit 6), and
// the one mapping of a failure to what the user reads (see redisFailure). No
// ioredis import: the entry point uses this on its error path without loading
// the client.
import { maskUrl } from '../util/mask.js';
import { UnreachableError, errorCode } from '../errors.js';

/** Human cause of a connection failure: "ECONNREFUSED", "authentication failed"... */
export function describeConnectError(err: unknown): string {
  const inner = clusterLastError(err);
  if (inner) return describeConnectError(inner);
  if (err instanceof ClusterNodeDownError) return err.message;
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  if (/WRONGPASS|NOAUTH|invalid username-password/i.test(message)) return 'authentication failed: check the user and password in the URL';
  if (code) return code;
  if (/timeout/i.test(message)) return 'ETIMEDOUT';
  return message.replace(/\s+/g, ' ').slice(0, 120);
}

/** Errors that mean the connection is gone, as opposed to a reply error from Redis. */
export function isConnectionError(err: unknown): boolean {
  const inner = clusterLastError(err);
  if (inner) return isConnectionError(inner);
  const code = errorCode(err);
  if (code && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code)) return true;
  const name = (err as { name?: string } | null)?.name;
  if (name === 'MaxRetriesPerRequestError' || name === 'ClusterNodeDownError') return true;
  // ioredis' words for a cluster with no usable connection (every node lost, or none answered yet).
  return err instanceof Error && /Connection is closed|Stream isn't writeable|Command aborted due to connection close|None of startup nodes is available|Cluster isn't ready/.test(err.message);
}

/**
 * On a cluster, a master that does not answer while it still owns hash slots
 * (killed, and its replica has not taken over yet): a command that must reach
 * every master (SCAN) fails with this rather than silently skip its keys.
 */
export class ClusterNodeDownError extends Error {
  override name = 'ClusterNodeDownError';
}

const REDIRECTIONS = /^Too many Cluster redirections\. Last error: (\w*Error): ([\s\S]*)$/;

/**
 * The error behind ioredis' cluster wrappers: "Too many Cluster redirections.
 * Last error: ReplyError: CLUSTERDOWN ..." (a command retried through a
 * failover until it gave up: the text is all that is left of the reply error)
 * and "Failed to refresh slots cache." (its lastNodeError).
 */
export function clusterLastError(err: unknown): Error | undefined {
  if (!(err instanceof Error)) return undefined;
  const m = REDIRECTIONS.exec(err.message);
  // Marked, so the message can say where it came from (CLUSTER_LOST_HINT) after a caller unwrapped it.
  if (m) return Object.assign(new Error(m[2]!.trim()), { name: m[1]!, viaCluster: true });
  const last = (err as { lastNodeError?: unknown }).lastNodeError;
  return last instanceof Error ? last : undefined;
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
const TRANSIENT_REPLY_CODES = new Set(['OOM', 'READONLY', 'LOADING', 'BUSY', 'MASTERDOWN', 'CLUSTERDOWN', 'TRYAGAIN', 'MISCONF', 'NOREPLICAS', 'MOVED', 'ASK']);

/** The first word of a Redis error reply ("OOM", "READONLY", "NOGROUP"...), read without importing ioredis. */
export function replyErrorCode(err: unknown): string | undefined {
  const inner = clusterLastError(err);
  if (inner) return replyErrorCode(inner);
  if (!(err instanceof Error) || err.name !== 'ReplyError') return undefined;
  return /^([A-Z][A-Z_-]+)\b/.exec(err.message)?.[1];
}

/** A command that got no answer within redis.commandTimeoutMs (ioredis rejects with this message). */
export function isCommandTimeout(err: unknown): boolean {
  const inner = clusterLastError(err);
  if (inner) return isCommandTimeout(inner);
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

/** What the entry point knows about the Redis a command talked to (filled when its config is loaded). */
export interface RedisTarget {
  url?: string;
  commandTimeoutMs?: number;
}

/** Why Redis refused, and what to do about it, by the first word of its error reply. */
const REFUSALS: Record<string, (message: string, target: RedisTarget) => { reason: string; hint: string }> = {
  OOM: () => ({
    reason: 'out of memory (maxmemory reached and the eviction policy keeps the keys)',
    hint: 'free memory with `launchctl trim` (e.g. --older-than 2d) or raise maxmemory; `launchctl checklist --only redis.headroom` shows the projection',
  }),
  READONLY: () => ({
    reason: 'this server is a read-only replica (or a failover is under way)',
    hint: "point redis.url at the primary (a managed Redis's primary endpoint); after a failover, run the command again in a few seconds",
  }),
  NOPERM: (message, target) => {
    const command = /'([^']+)' command/.exec(message)?.[1];
    const user = aclUser(target.url) ?? 'default';
    if (command) {
      return { reason: `the ACL user ${user} may not run ${command.toUpperCase()}`, hint: `grant it on the server: ACL SETUSER ${user} +${command.toLowerCase()}` };
    }
    // Inside a Lua script Redis 7.0 does not name the command; its ACL LOG does.
    if (/can't run this command/i.test(message)) {
      return {
        reason: `the ACL user ${user} may not run a command launchctl's Lua script needs`,
        hint: `ACL LOG on the server names it; grant it with ACL SETUSER ${user} +<command> (launchctl needs +@read +@write +@stream +@scripting)`,
      };
    }
    const what = /channel/i.test(message) ? 'channel' : 'key';
    return {
      reason: `the ACL user ${user} may not access a ${what} this command needs`,
      hint: `grant the key pattern of redis.keyPrefix on the server: ACL SETUSER ${user} ~<prefix>*${what === 'channel' ? ' &*' : ''}`,
    };
  },
  MISCONF: () => ({
    reason: 'it cannot save its snapshot to disk and refuses writes (stop-writes-on-bgsave-error)',
    hint: "fix the server's disk or permissions (see its log); writes resume after a successful BGSAVE",
  }),
  LOADING: () => ({ reason: 'it is loading its dataset into memory', hint: 'run the command again when loading is done (seconds to minutes)' }),
  CLUSTERDOWN: () => ({
    reason: 'the cluster is down: a master failed and its hash slots have no serving node yet (a failover under way, or a master without a replica)',
    hint: 'run the command again once a replica has taken over (CLUSTER INFO says cluster_state:ok, usually within cluster-node-timeout plus a second or two); `launchctl checklist --only redis.cluster` names the failed node',
  }),
  MOVED: () => ({
    reason: 'the cluster kept redirecting the command to other nodes (MOVED): hash slots are changing hands, a failover or a resharding is under way',
    hint: 'run the command again once CLUSTER INFO says cluster_state:ok',
  }),
  ASK: () => ({
    reason: 'the cluster kept redirecting the command (ASK): hash slots are being migrated (resharding)',
    hint: 'run the command again once the migration is done',
  }),
  MASTERDOWN: () => ({ reason: 'this replica lost its primary and serves no stale data', hint: 'point redis.url at the primary, or wait for the failover to finish' }),
  TRYAGAIN: () => ({ reason: 'the cluster is moving the keys of this command (resharding)', hint: 'run the command again in a few seconds' }),
  BUSY: () => ({ reason: 'it is busy running a script', hint: 'wait for the script to finish, or SCRIPT KILL it' }),
  NOREPLICAS: () => ({ reason: 'not enough replicas are in sync (min-replicas-to-write)', hint: "check the replicas' links to the primary" }),
};

/** The refusal a reply error stands for; an ACL refusal inside a script arrives as "ERR The user executing the script can't…". */
function refusalCode(err: unknown): string | undefined {
  const code = replyErrorCode(err);
  if (code && code in REFUSALS) return code;
  if (code === 'ERR' && /user executing the script can't/i.test((err as Error).message)) return 'NOPERM';
  return undefined;
}

/** The plain ACL user name of a URL, if one was given (the password never). */
function aclUser(url: string | undefined): string | undefined {
  const m = url ? /^[a-z]+:\/\/([A-Za-z0-9._~-]+):[^@]*@/i.exec(url) : null;
  return m?.[1];
}

/** The error, or the first error in its `cause` chain, that matches. */
function findInChain(err: unknown, test: (e: unknown) => boolean): unknown {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    if (test(cur)) return cur;
    cur = clusterLastError(cur) ?? (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

/** What to do about a connection lost on a cluster: a master stopped answering, most likely a failover. */
const CLUSTER_LOST_HINT =
  'on Redis Cluster this is a master that stopped answering: if a failover is under way, run the command again once its replica has taken over (CLUSTER INFO says cluster_state:ok)';

/**
 * The one mapping of a Redis failure to what the user reads (exit 3): a
 * refusal (OOM, READONLY, NOPERM, MISCONF, LOADING, CLUSTERDOWN...) with its
 * reason and a hint, a command that got no answer in time, or a connection that
 * dropped. Undefined for anything else (a bug stays a bug).
 */
export function redisFailure(err: unknown, target: RedisTarget = {}): UnreachableError | undefined {
  const where = target.url ? ` at ${maskUrl(target.url)}` : '';
  const refused = findInChain(err, (e) => refusalCode(e) !== undefined);
  if (refused) {
    const code = refusalCode(refused)!;
    const text = (clusterLastError(refused) ?? (refused as Error)).message.split('\n')[0]!.slice(0, 200);
    const { reason, hint } = REFUSALS[code]!(text, target);
    return new UnreachableError(`Redis${where} refused the command (${code}): ${reason}`, code, { cause: err, details: [`Redis said: ${text}`, hint] });
  }
  if (findInChain(err, isCommandTimeout)) {
    const seconds = target.commandTimeoutMs !== undefined ? `${target.commandTimeoutMs / 1000} s` : 'time';
    return new UnreachableError(`Redis${where} gave no answer in ${seconds}: the server is frozen, the network drops packets, or the address is stale after a failover`, 'ETIMEDOUT', {
      cause: err,
      details: ['what was reported as done before this line was written; run the command again when Redis answers (redis.commandTimeoutMs sets the deadline)'],
    });
  }
  if (findInChain(err, isConnectionError)) {
    const lost = lostRedisError(target.url, err);
    const onCluster = findInChain(err, (e) => e instanceof ClusterNodeDownError || (e as { viaCluster?: unknown }).viaCluster === true || (e instanceof Error && REDIRECTIONS.test(e.message)));
    if (onCluster) lost.details.push(CLUSTER_LOST_HINT);
    return lost;
  }
  return undefined;
}
