// The HTTP client shared by every verb (undici): keep-alive agents, one
// request path with a TOTAL deadline, and mapping of undici failures to short
// causes a user can act on.
import { Agent, getGlobalDispatcher, type Dispatcher } from 'undici';
import { errorCode } from '../errors.js';

export interface AgentOptions {
  /** Sockets per origin (match the request concurrency). */
  connections?: number;
  connectTimeoutMs?: number;
}

export function createHttpAgent(options: AgentOptions = {}): Agent {
  return new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: 10_000,
    connect: { timeout: options.connectTimeoutMs ?? 5000 },
    // Pipelining stays off: one slow page must not hold up the ones behind it.
    pipelining: 1,
  });
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** True when the body was cut at maxBodyBytes. */
  truncated: boolean;
  latencyMs: number;
}

export interface HttpRequestOptions {
  method?: 'GET' | 'POST' | 'HEAD';
  headers?: Record<string, string>;
  body?: string;
  /**
   * The whole request must be done within this: waiting for a socket,
   * connecting, the headers AND the last byte of the body. (undici's own
   * headersTimeout/bodyTimeout are idle timeouts: an origin trickling one byte
   * a second would never trip them.)
   */
  timeoutMs: number;
  /** Read at most this many body bytes; the rest is discarded (the socket is then closed). */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Read and count the body but keep none of it (warm-up: only the cache fill matters). */
  discardBody?: boolean;
}

/** An origin (`http://host:port`) and a path with its query (`/a?b=1`). */
export interface DispatchTarget {
  origin: string;
  path: string;
}

/** Code of the error a request fails with when its total deadline passes. */
export const HTTP_DEADLINE = 'LAUNCHCTL_HTTP_DEADLINE';

/** A short cause for a failed request: ECONNREFUSED, timeout, ENOTFOUND... */
export function describeHttpError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
    case HTTP_DEADLINE:
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return 'timeout';
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case undefined:
      return err instanceof Error ? err.message : String(err);
    default:
      return code;
  }
}

/** Network-level failures worth a retry (as opposed to a bad URL or an abort). */
export function isRetryableHttpError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && (code === HTTP_DEADLINE || /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_(CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT|SOCKET|CLOSED))$/.test(code));
}

const EMPTY_BODY = Buffer.alloc(0);
const BODY_CAP_REACHED = Symbol('body cap reached');
const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError', code: 'UND_ERR_ABORTED' });

/** Joins repeated headers (undici hands them as arrays) in place: its keys are already lower-cased. */
function joinRepeatedHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  for (const k in headers) {
    const v = headers[k];
    if (v === undefined) delete headers[k];
    else if (typeof v !== 'string') headers[k] = v.join(', ');
  }
  return headers as Record<string, string>;
}

/** The deadline timer's callback: a plain function given the handler, so no closure per request. */
function expire(handler: RequestHandler) {
  const err = Object.assign(new Error(`no complete answer within ${handler.timeoutMs} ms`), { code: HTTP_DEADLINE });
  handler.fail(err);
}

/**
 * One request's state and undici's callbacks on one object (methods on the
 * prototype): a bulk run allocates this instead of a closure per callback.
 * It settles exactly once: on the last byte, on an error, when the signal
 * aborts, or when the deadline passes; whatever undici says after that only
 * makes sure the request is torn down.
 */
class RequestHandler implements Dispatcher.DispatchHandler {
  status = 0;
  headers: Record<string, string> = {};
  chunks: Buffer[] | null;
  size = 0;
  truncated = false;
  settled = false;
  controller: Dispatcher.DispatchController | undefined = undefined;
  readonly onAbort: (() => void) | undefined;
  readonly started = performance.now();
  readonly timer: NodeJS.Timeout;

  constructor(
    readonly timeoutMs: number,
    private readonly cap: number,
    keep: boolean,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.chunks = keep ? [] : null;
    if (signal) this.onAbort = () => this.fail(abortError());
    this.timer = setTimeout(expire, timeoutMs, this);
  }

  private done() {
    this.settled = true;
    clearTimeout(this.timer);
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
  }

  finish() {
    if (this.settled) return;
    this.done();
    const body = this.chunks ? Buffer.concat(this.chunks, this.size) : EMPTY_BODY;
    this.resolve({ status: this.status, headers: this.headers, body, truncated: this.truncated, latencyMs: performance.now() - this.started });
  }

  /** Rejects now and tears the request down (if undici has started it; else onRequestStart will). */
  fail(err: Error) {
    if (this.settled) return;
    this.done();
    this.chunks = null;
    this.reject(err);
    if (this.controller && !this.controller.aborted) this.controller.abort(err);
  }

  onRequestStart(c: Dispatcher.DispatchController) {
    this.controller = c;
    // Timed out or aborted while waiting for a socket.
    if (this.settled) c.abort(abortError());
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, responseHeaders: Record<string, string | string[] | undefined>) {
    this.status = statusCode;
    this.headers = joinRepeatedHeaders(responseHeaders);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer) {
    if (this.settled) return;
    if (this.size + chunk.length > this.cap) {
      this.chunks?.push(chunk.subarray(0, this.cap - this.size));
      this.size = this.cap;
      this.truncated = true;
      c.abort(Object.assign(new Error('body cap reached'), { [BODY_CAP_REACHED]: true }));
      return;
    }
    this.chunks?.push(chunk);
    this.size += chunk.length;
  }

  onResponseEnd() {
    this.finish();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error) {
    if ((err as { [BODY_CAP_REACHED]?: boolean })[BODY_CAP_REACHED]) this.finish();
    else this.fail(err);
  }
}

/**
 * One request on undici's dispatch API (no Readable stream per response,
 * which roughly doubles throughput for bulk GETs such as warm's). Redirects
 * are not followed (a redirect is reported, not chased); the body is counted
 * (and kept unless discardBody) up to maxBodyBytes, then the request is
 * aborted; the whole exchange must finish within timeoutMs. Bulk callers pass
 * origin and path already split: no URL parse per request.
 */
export function httpRequest(url: string | DispatchTarget, options: HttpRequestOptions): Promise<HttpResponse> {
  let origin: string;
  let path: string;
  if (typeof url === 'string') {
    const u = new URL(url);
    origin = u.origin;
    path = `${u.pathname}${u.search}`;
  } else {
    origin = url.origin;
    path = url.path;
  }
  const dispatcher = options.dispatcher ?? getGlobalDispatcher();
  const signal = options.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    const handler = new RequestHandler(options.timeoutMs, options.maxBodyBytes ?? 5 * 1024 * 1024, options.discardBody !== true, signal, resolve, reject);
    if (handler.onAbort) signal?.addEventListener('abort', handler.onAbort, { once: true });
    try {
      dispatcher.dispatch(
        {
          origin,
          path,
          method: options.method ?? 'GET',
          headers: options.headers,
          body: options.body,
          // Idle timeouts as a second line; the deadline above is the one that counts.
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        handler,
      );
    } catch (err) {
      handler.fail(err instanceof Error ? err : new Error(String(err)));
    }
  });
}
