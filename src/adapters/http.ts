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

/**
 * The same contract as httpRequest, on undici's dispatch API: no Readable
 * stream per response, which roughly doubles throughput for bulk GETs (warm
 * of thousands of paths). Redirects are not followed; the body is counted (and
 * kept unless discardBody) up to maxBodyBytes, then the request is aborted.
 */
export function httpDispatch(url: string | DispatchTarget, options: HttpRequestOptions): Promise<HttpResponse> {
  // Bulk callers pass origin and path already split: no URL parse per request.
  const target = typeof url === 'string' ? new URL(url) : { origin: url.origin, pathname: url.path, search: '' };
  const dispatcher = options.dispatcher ?? getGlobalDispatcher();
  const cap = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const keep = options.discardBody !== true;
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let status = 0;
    let headers: Record<string, string> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    let settled = false;
    let controller: { abort(reason: Error): void } | undefined;
    const onAbort = () => controller?.abort(abortError());
    const finish = () => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      resolve({ status, headers, body: keep ? Buffer.concat(chunks, size) : EMPTY_BODY, truncated, latencyMs: performance.now() - started });
    };
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      options.signal?.removeEventListener('abort', onAbort);
      reject(err);
    };
    if (options.signal?.aborted) {
      fail(abortError());
      return;
    }
    options.signal?.addEventListener('abort', onAbort, { once: true });
    dispatcher.dispatch(
      {
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method: options.method ?? 'GET',
        headers: options.headers,
        body: options.body,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      },
      {
        onRequestStart(c) {
          controller = c;
          if (options.signal?.aborted) onAbort();
        },
        onResponseStart(_c, statusCode, responseHeaders) {
          status = statusCode;
          headers = flattenHeaders(responseHeaders);
        },
        onResponseData(c, chunk) {
          if (size + chunk.length > cap) {
            if (keep) chunks.push(chunk.subarray(0, cap - size));
            size = cap;
            truncated = true;
            c.abort(Object.assign(new Error('body cap reached'), { [BODY_CAP_REACHED]: true }));
            return;
          }
          if (keep) chunks.push(chunk);
          size += chunk.length;
        },
        onResponseEnd() {
          finish();
        },
        onResponseError(_c, err) {
          if ((err as { [BODY_CAP_REACHED]?: boolean })[BODY_CAP_REACHED]) finish();
          else fail(err);
        },
      },
    );
  });
}
