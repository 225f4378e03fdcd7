import { describe, expect, it } from 'vitest';
import { classifyPhResponse } from './response.js';
import { UNKNOWN_RESET_WAIT_MS } from './ratelimit.js';

const NOW = 1_800_000_000_000;
const JSON_CT = { 'content-type': 'application/json; charset=utf-8' };
const classify = (status: number, body: string, headers: Record<string, string> = JSON_CT) => classifyPhResponse({ status, headers, body, nowMs: NOW });

describe('classifyPhResponse', () => {
  it('returns the data and the budget of a good answer', () => {
    const r = classify(200, '{"data":{"post":{"votesCount":3}}}', { ...JSON_CT, 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '6000', 'x-rate-limit-reset': '10' });
    expect(r).toEqual({ kind: 'ok', data: { post: { votesCount: 3 } }, rateLimit: { limit: 6250, remaining: 6000, resetAt: NOW + 10_000 } });
  });

  it('maps 401 (invalid_oauth_token shape) to token-rejected', () => {
    const body = '{"data":null,"errors":[{"error":"invalid_oauth_token","error_description":"Please supply a valid access token."}]}';
    expect(classify(401, body).kind).toBe('token-rejected');
  });

  it('maps a 403 HTML page to cloudflare', () => {
    expect(classify(403, '<!DOCTYPE html><title>Just a moment...</title>', { 'content-type': 'text/html' }).kind).toBe('cloudflare');
  });

  it('reads the reset of a 429 from the body when the headers are missing', () => {
    const body = '{"data":null,"errors":[{"error":"rate_limit_reached","error_description":"Sorry.","details":{"limit":6250,"remaining":-50,"reset_in":102}}]}';
    expect(classify(429, body)).toEqual({ kind: 'rate-limited', resetAt: NOW + 102_000, rateLimit: { limit: 6250, remaining: -50, resetAt: NOW + 102_000 } });
  });

  it('falls back to Retry-After (seconds) when neither the headers nor the body say when', () => {
    expect(classify(429, '', { 'retry-after': '7' })).toMatchObject({ kind: 'rate-limited', resetAt: NOW + 7000 });
  });

  it('treats a 429 with no body and no headers as rate-limited with an unknown reset, recorded as spent for the conservative window', () => {
    expect(classify(429, '')).toEqual({ kind: 'rate-limited', resetAt: null, rateLimit: { limit: 0, remaining: 0, resetAt: NOW + UNKNOWN_RESET_WAIT_MS } });
  });

  it('a 429 whose reset is absurd: unknown, with a warning naming the header', () => {
    const answer = classifyPhResponse({ status: 429, headers: { 'x-rate-limit-limit': '6250', 'x-rate-limit-remaining': '0', 'x-rate-limit-reset': '100000000' }, body: '', nowMs: NOW });
    expect(answer).toMatchObject({ kind: 'rate-limited', resetAt: null, rateLimit: { limit: 6250, remaining: 0, resetAt: NOW + UNKNOWN_RESET_WAIT_MS } });
    expect(answer.warning).toContain('x-rate-limit-reset: 100000000 is not a believable reset');
  });

  it('reports GraphQL errors in a 200 with the API message', () => {
    const body = '{"errors":[{"message":"Query has complexity of 1126, which exceeds max complexity of 1000","locations":[{"line":1,"column":1}]}]}';
    expect(classify(200, body)).toMatchObject({ kind: 'graphql-error', messages: ['Query has complexity of 1126, which exceeds max complexity of 1000'] });
  });

  it('reports malformed JSON and 5xx', () => {
    expect(classify(200, '{"data": {').kind).toBe('malformed');
    expect(classify(200, 'null').kind).toBe('malformed');
    expect(classify(503, 'Service Unavailable')).toEqual({ kind: 'server', status: 503 });
  });
});
