// ioredis' Cluster gives up on a command retried through a failover with an
// Error whose message is all that is left of the cause: what the user reads
// must still be the cause (CLUSTERDOWN, a lost connection), exit 3, not "internal error".
import { describe, expect, it } from 'vitest';
import { ClusterNodeDownError, clusterLastError, isCommandTimeout, isConnectionError, isTransientRedisError, redisFailure, replyErrorCode } from './redis-errors.js';

const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
const redirections = (last: string) => new Error(`Too many Cluster redirections. Last error: ${last}`);
const URL = 'redis://127.0.0.1:7000';

describe('Redis Cluster failures', () => {
  it('CLUSTERDOWN behind "Too many Cluster redirections" is a CLUSTERDOWN refusal, transient', () => {
    const err = redirections('ReplyError: CLUSTERDOWN The cluster is down');
    expect(replyErrorCode(err)).toBe('CLUSTERDOWN');
    expect(isTransientRedisError(err)).toBe(true);
    const failure = redisFailure(err, { url: URL })!;
    expect(failure.exitCode).toBe(3);
    expect(failure.message).toBe('Redis at redis://127.0.0.1:7000 refused the command (CLUSTERDOWN): the cluster is down: a master failed and its hash slots have no serving node yet (a failover under way, or a master without a replica)');
    expect(failure.details[0]).toBe('Redis said: CLUSTERDOWN The cluster is down');
  });

  it('MOVED that never settles is explained as slots changing hands', () => {
    const failure = redisFailure(redirections('ReplyError: MOVED 3999 127.0.0.1:7002'), { url: URL })!;
    expect(failure.message).toMatch(/refused the command \(MOVED\): .*failover or a resharding is under way/);
  });

  it('a connection lost or a command timed out behind the wrapper is a lost connection, with the cluster hint', () => {
    const closed = redirections('Error: Connection is closed.');
    expect(isConnectionError(closed)).toBe(true);
    const failure = redisFailure(closed, { url: URL })!;
    expect(failure.message).toBe('lost the connection to Redis at redis://127.0.0.1:7000 (Connection is closed.)');
    expect(failure.details.join('\n')).toMatch(/on Redis Cluster .* failover/);
    const timedOut = redirections('Error: Command timed out');
    expect(isCommandTimeout(timedOut)).toBe(true);
    expect(isTransientRedisError(timedOut)).toBe(true);
    // Unwrapped by a caller (sendCommands), the cause still says it came from the cluster.
    expect(redisFailure(clusterLastError(closed), { url: URL })!.details.join('\n')).toMatch(/on Redis Cluster/);
  });

  it('"Failed to refresh slots cache" reads as its last node error', () => {
    const err = Object.assign(new Error('Failed to refresh slots cache.'), { lastNodeError: reply('CLUSTERDOWN The cluster is down') });
    expect(replyErrorCode(err)).toBe('CLUSTERDOWN');
  });

  it('a master that serves slots and does not answer is a lost connection naming it', () => {
    const failure = redisFailure(new ClusterNodeDownError('the master at 127.0.0.1:7001 (serving 5461 hash slots) does not answer; a failover may be under way'), { url: URL })!;
    expect(failure.message).toBe('lost the connection to Redis at redis://127.0.0.1:7000 (the master at 127.0.0.1:7001 (serving 5461 hash slots) does not answer; a failover may be under way)');
  });

  it('a command aborted because its connection closed is a lost connection (ioredis, in flight when the socket dropped)', () => {
    expect(isConnectionError(new Error('Command aborted due to connection close'))).toBe(true);
  });

  it('anything else stays a bug', () => {
    expect(redisFailure(new Error('Too many Cluster redirections. but not the shape'))).toBeUndefined();
    expect(redisFailure(new TypeError('x is undefined'))).toBeUndefined();
  });
});
