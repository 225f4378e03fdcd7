// Classifies one answer of the Product Hunt API (pure). Status first, then the
// body: GraphQL errors come back with HTTP 200. Two error shapes exist
// (research/producthunt-api.md §4): auth and rate-limit errors are
// `{ error, error_description, details? }`, GraphQL errors are `{ message, locations?, path? }`.
import { parseRateLimitHeaders, rateLimitFromErrorDetails } from './ratelimit.js';
import type { PhRateLimit } from './types.js';

export type PhResponse =
  | { kind: 'ok'; data: Record<string, unknown>; rateLimit: PhRateLimit | null }
  | { kind: 'token-rejected'; rateLimit: PhRateLimit | null }
  | { kind: 'cloudflare' }
  | { kind: 'rate-limited'; resetAt: number | null; rateLimit: PhRateLimit | null }
  | { kind: 'server'; status: number }
  | { kind: 'graphql-error'; messages: string[]; rateLimit: PhRateLimit | null }
  | { kind: 'malformed'; status: number }
  | { kind: 'http-error'; status: number; messages: string[] };

interface ApiError {
  error?: unknown;
  error_description?: unknown;
  message?: unknown;
  details?: unknown;
}

const MAX_MESSAGE_CHARS = 300;

/** The readable text of an error in either shape. */
export function describeApiError(e: ApiError): string {
  const text =
    typeof e.message === 'string'
      ? e.message
      : [e.error, e.error_description].filter((x): x is string => typeof x === 'string' && x !== '').join(': ') || JSON.stringify(e);
  return text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text;
}

function looksLikeHtml(contentType: string, body: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*</.test(body);
}

export function classifyPhResponse(input: { status: number; headers: Record<string, string | undefined>; body: string; nowMs: number }): PhResponse {
  const { status, headers, body, nowMs } = input;
  const rateLimit = parseRateLimitHeaders(headers, nowMs);
  const contentType = headers['content-type'] ?? '';

  if (status === 403 && looksLikeHtml(contentType, body)) return { kind: 'cloudflare' };
  if (status >= 500) return { kind: 'server', status };

  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const errors: ApiError[] = Array.isArray((parsed as { errors?: unknown })?.errors) ? ((parsed as { errors: ApiError[] }).errors) : [];
  const rateLimitError = errors.find((e) => e.error === 'rate_limit_reached');

  if (status === 429 || rateLimitError) {
    const fromBody = rateLimitError ? rateLimitFromErrorDetails(rateLimitError.details, nowMs) : null;
    // Retry-After is not documented for Product Hunt; honoured only when nothing better says when.
    const retryAfterS = /^\s*\d+\s*$/.test(headers['retry-after'] ?? '') ? Number(headers['retry-after']) : null;
    const fromRetryAfter = retryAfterS === null ? null : { limit: 0, remaining: 0, resetAt: nowMs + retryAfterS * 1000 };
    const seen = rateLimit ?? fromBody ?? fromRetryAfter;
    // A 429 means the budget is spent even if a header said otherwise.
    const state = seen ? { ...seen, remaining: Math.min(0, seen.remaining) } : null;
    return { kind: 'rate-limited', resetAt: seen ? seen.resetAt : null, rateLimit: state };
  }
  if (status === 401 || errors.some((e) => e.error === 'invalid_oauth_token')) return { kind: 'token-rejected', rateLimit };
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
    return status >= 200 && status < 300 ? { kind: 'malformed', status } : { kind: 'http-error', status, messages: [] };
  }
  if (status < 200 || status >= 300) return { kind: 'http-error', status, messages: errors.map(describeApiError) };
  const data = (parsed as { data?: unknown }).data;
  // GraphQL may return partial data with errors; a missing field is worse than a clear error.
  if (errors.length > 0) return { kind: 'graphql-error', messages: errors.map(describeApiError), rateLimit };
  if (!data || typeof data !== 'object') return { kind: 'malformed', status };
  return { kind: 'ok', data: data as Record<string, unknown>, rateLimit };
}
