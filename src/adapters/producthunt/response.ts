// Classifies one answer of the Product Hunt API (pure). Status first, then the
// body: GraphQL errors come back with HTTP 200. Two error shapes exist
// (research/producthunt-api.md §4): auth and rate-limit errors are
// `{ error, error_description, details? }`, GraphQL errors are `{ message, locations?, path? }`.
import { parseRateLimitHeaders, rateLimitFromErrorDetails, resetFromRetryAfter, toRateLimit, type PhRateLimit, type RateLimitReading } from './ratelimit.js';

export type PhResponse = PhAnswer & {
  /** A rate-limit reset that was given but not believed (more than a day away), for a warning. */
  warning?: string;
};

type PhAnswer =
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
  const answer = classify(input);
  return answer.warning === undefined ? answer.answer : { ...answer.answer, warning: answer.warning };
}

function classify(input: { status: number; headers: Record<string, string | undefined>; body: string; nowMs: number }): { answer: PhAnswer; warning?: string } {
  const { status, headers, body, nowMs } = input;
  const reading = parseRateLimitHeaders(headers, nowMs);
  const rateLimit = reading ? toRateLimit(reading, nowMs) : null;
  const warning = reading?.unbelievable;
  const contentType = headers['content-type'] ?? '';

  if (status === 403 && looksLikeHtml(contentType, body)) return { answer: { kind: 'cloudflare' } };
  if (status >= 500) return { answer: { kind: 'server', status } };

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
    const fromRetryAfter = resetFromRetryAfter(headers['retry-after'], nowMs);
    const readings = [reading, fromBody, fromRetryAfter].filter((r): r is RateLimitReading => r !== null);
    // The first believable reset; the counts of the first reading.
    const resetAt = readings.find((r) => r.resetAt !== null)?.resetAt ?? null;
    const first = readings[0];
    const why = readings.find((r) => r.unbelievable)?.unbelievable;
    // A 429 means the budget is spent even if a header said otherwise. Without a
    // usable reset it is recorded for UNKNOWN_RESET_WAIT_MS, so the team backs off too.
    const state = toRateLimit({ limit: first?.limit ?? 0, remaining: Math.min(0, first?.remaining ?? 0), resetAt }, nowMs);
    return { answer: { kind: 'rate-limited', resetAt, rateLimit: state }, warning: resetAt === null ? why : undefined };
  }
  if (status === 401 || errors.some((e) => e.error === 'invalid_oauth_token')) return { answer: { kind: 'token-rejected', rateLimit }, warning };
  if (parsed === undefined || typeof parsed !== 'object' || parsed === null) {
    return { answer: status >= 200 && status < 300 ? { kind: 'malformed', status } : { kind: 'http-error', status, messages: [] } };
  }
  if (status < 200 || status >= 300) return { answer: { kind: 'http-error', status, messages: errors.map(describeApiError) } };
  const data = (parsed as { data?: unknown }).data;
  // GraphQL may return partial data with errors; a missing field is worse than a clear error.
  if (errors.length > 0) return { answer: { kind: 'graphql-error', messages: errors.map(describeApiError), rateLimit }, warning };
  if (!data || typeof data !== 'object') return { answer: { kind: 'malformed', status } };
  return { answer: { kind: 'ok', data: data as Record<string, unknown>, rateLimit }, warning };
}
