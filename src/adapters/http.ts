// The HTTP client shared by every verb (undici): keep-alive agents, timeouts,
// and mapping of undici failures to short causes a user can act on.
import { Agent, request, type Dispatcher } from 'undici';
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
