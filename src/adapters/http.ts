// The HTTP client shared by every verb (undici): keep-alive agents, timeouts,
// and mapping of undici failures to short causes a user can act on.
import { Agent, getGlobalDispatcher, request, type Dispatcher } from 'undici';
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
  timeoutMs: number;
  /** Read at most this many body bytes; the rest is discarded (the socket is then closed). */
  maxBodyBytes?: number;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  /** Read and count the body but keep none of it (warm-up: only the cache fill matters). */
  discardBody?: boolean;
}

function flattenHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * One request, no redirects followed (a redirect is reported, not chased), the
 * body drained up to a cap so keep-alive sockets are reused.
 */
export async function httpRequest(url: string, options: HttpRequestOptions): Promise<HttpResponse> {
  const started = performance.now();
  const res = await request(url, {
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body,
    dispatcher: options.dispatcher,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    signal: options.signal,
  });
  const cap = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  const keep = options.discardBody !== true;
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    if (size + chunk.length > cap) {
      if (keep) chunks.push(chunk.subarray(0, cap - size));
      size = cap;
      truncated = true;
      res.body.destroy();
      break;
    }
    if (keep) chunks.push(chunk);
    size += chunk.length;
  }
  return {
    status: res.statusCode,
    headers: flattenHeaders(res.headers),
    body: keep ? Buffer.concat(chunks, size) : Buffer.alloc(0),
    truncated,
    latencyMs: performance.now() - started,
  };
}

/** A short cause for a failed request: ECONNREFUSED, timeout, ENOTFOUND... */
export function describeHttpError(err: unknown): string {
  const code = errorCode(err);
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'connect timeout';
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
  return code !== undefined && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_(CONNECT_TIMEOUT|HEADERS_TIMEOUT|BODY_TIMEOUT|SOCKET|CLOSED))$/.test(code);
}

/** An origin (`http://host:port`) and a path with its query (`/a?b=1`). */
export interface DispatchTarget {
  origin: string;
  path: string;
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

/**
 * One request's state and undici's callbacks on one object (methods on the
 * prototype): a bulk run allocates this instead of a closure per callback.
 */
class DispatchResponse implements Dispatcher.DispatchHandler {
  status = 0;
  headers: Record<string, string> = {};
  chunks: Buffer[] | null;
  size = 0;
  truncated = false;
  settled = false;
  controller: Dispatcher.DispatchController | undefined = undefined;
  readonly onAbort: (() => void) | undefined;
  readonly started = performance.now();

  constructor(
    private readonly cap: number,
    keep: boolean,
    private readonly signal: AbortSignal | undefined,
    private readonly resolve: (res: HttpResponse) => void,
    private readonly reject: (err: Error) => void,
  ) {
    this.chunks = keep ? [] : null;
    if (signal) this.onAbort = () => this.controller?.abort(abortError());
  }

  finish() {
    if (this.settled) return;
    this.settled = true;
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    const body = this.chunks ? Buffer.concat(this.chunks, this.size) : EMPTY_BODY;
    this.resolve({ status: this.status, headers: this.headers, body, truncated: this.truncated, latencyMs: performance.now() - this.started });
  }

  fail(err: Error) {
    if (this.settled) return;
    this.settled = true;
    if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
    this.reject(err);
  }

  onRequestStart(c: Dispatcher.DispatchController) {
    this.controller = c;
    if (this.signal?.aborted) this.onAbort?.();
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, responseHeaders: Record<string, string | string[] | undefined>) {
    this.status = statusCode;
    this.headers = joinRepeatedHeaders(responseHeaders);
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer) {
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
 * The same contract as httpRequest, on undici's dispatch API: no Readable
 * stream per response, which roughly doubles throughput for bulk GETs (warm
 * of thousands of paths). Redirects are not followed; the body is counted (and
 * kept unless discardBody) up to maxBodyBytes, then the request is aborted.
 */
export function httpDispatch(url: string | DispatchTarget, options: HttpRequestOptions): Promise<HttpResponse> {
  // Bulk callers pass origin and path already split: no URL parse per request.
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
    const handler = new DispatchResponse(options.maxBodyBytes ?? 5 * 1024 * 1024, options.discardBody !== true, signal, resolve, reject);
    if (signal?.aborted) {
      handler.fail(abortError());
      return;
    }
    if (handler.onAbort) signal?.addEventListener('abort', handler.onAbort, { once: true });
    dispatcher.dispatch(
      {
        origin,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      handler,
    );
  });
}
