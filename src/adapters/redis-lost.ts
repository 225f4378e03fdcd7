// A connection that drops in the middle of a one-shot command (a long deep scan,
// a trim) is a dependency failure (exit 3) naming the masked URL, not a bug.
import { maskUrl } from '../config/load.js';
import { UnreachableError, errorCode } from '../errors.js';
import { describeConnectError, isConnectionError } from './redis.js';

/** Runs fn; a lost connection becomes an UnreachableError, anything else is rethrown as is. */
export async function failOnLostRedis<T>(url: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isConnectionError(err)) throw err;
    throw new UnreachableError(`lost the connection to Redis at ${maskUrl(url)} (${describeConnectError(err)})`, errorCode(err), { cause: err });
  }
}
