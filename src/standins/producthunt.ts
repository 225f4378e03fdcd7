// A stand-in for the Product Hunt API v2 on 127.0.0.1, used by the tests and by
// `launchctl rehearse`. It answers the queries launchctl sends with the real
// response shapes (research/producthunt-api.md): `post(slug:)` and cursor-paged
// `posts(...)` (never more than 20 a page), the three X-Rate-Limit-* headers
// from a real budget that resets every window, 429 with the `rate_limit_reached`
// body once it is spent, 401 with the `invalid_oauth_token` body for a wrong
// token, and the client-credentials token endpoint. Votes rise over time.
// Knobs make it fail the ways the real API does: 503s, slow or trickling
// answers, a Cloudflare 403 HTML page, GraphQL errors in a 200, malformed
// JSON, a 429 without rate-limit headers, absurd X-Rate-Limit-Reset values
// (`resetHeader`, or exhaustBudget with a huge reset).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pacificDay } from '../domain/ph/day.js';
import { sleep } from '../util/sleep.js';

export type PhFault =
  | { kind: '503' }
  | { kind: 'slow'; ms: number }
  /** The answer is sent in 12 pieces `everyMs` apart: never idle long enough for an idle timeout. */
  | { kind: 'trickle'; everyMs: number }
  /** 429 with no rate-limit header and no `details` in the body: the reset is unknown. */
  | { kind: '429-bare' }
  | { kind: 'cloudflare' }
  | { kind: 'graphql-error'; message?: string }
  | { kind: 'malformed' };

export interface ProductHuntStandInOptions {
  /** The developer token accepted as Bearer (default: random). */
  token?: string;
  clientId?: string;
  clientSecret?: string;
  /** Slug of "our" post (default acme). */
  post?: string;
  postName?: string;
  /** Other featured posts today (default 11). More than 20 makes the client paginate. */
  otherPosts?: number;
  /** Points per window (default 6250, as the real GraphQL budget). */
  limit?: number;
  /** Points each GraphQL request costs (default 10). */
  costPerRequest?: number;
  /** Window length in seconds (default 900). */
  windowS?: number;
  /** Our post's votes at start and its climb (default 40 and 30 per minute). */
  startVotes?: number;
  votesPerMinute?: number;
  /** Report every post with 0 votes, as the site does in the first 4 hours of the day. */
  hideVotes?: boolean;
  /** Send this X-Rate-Limit-Reset on every answer instead of the real one (e.g. "100000000", an epoch timestamp). */
  resetHeader?: string;
  /** Fixed delay before every answer, ms (default 0). */
  latencyMs?: number;
  port?: number;
  now?: () => number;
}

export interface PhStandInRequest {
  at: number;
  path: string;
  status: number;
  /** 'post', 'posts', 'post+posts', 'token', or the fault served. */
  kind: string;
}

export interface ProductHuntStandIn {
  /** The GraphQL endpoint, for productHunt.apiUrl. */
  url: string;
  origin: string;
  token: string;
  clientId: string;
  clientSecret: string;
  post: string;
  /** GraphQL requests received (429s and faults included; the token endpoint not). */
  requestCount(): number;
  requests(): PhStandInRequest[];
  /** Serve these faults to the next GraphQL requests, in order. */
  fail(...faults: PhFault[]): void;
  /** Spend the budget now: requests get 429 until the window resets in `resetInS` seconds. */
  exhaustBudget(resetInS: number, remaining?: number): void;
  /** Our post's current votes. */
  votes(): number;
  stop(): Promise<void>;
}

const POST_NAMES = ['Nimbus', 'Orbit Notes', 'Pixel Forge', 'Quill', 'Relay Desk', 'Sundial', 'Tally Bird', 'Umbra', 'Vesper', 'Wayfinder', 'Xylo', 'Yonder', 'Zephyr', 'Atlas Mail', 'Beacon', 'Cobalt', 'Drift', 'Ember', 'Fable', 'Gadget Loop'];
const MAX_PAGE = 20;

interface StandInPost {
  id: string;
  slug: string;
  name: string;
  tagline: string;
  baseVotes: number;
  perMinute: number;
  createdOffsetMs: number;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}

/** Makes `res.end(body)` send the body in 12 pieces `everyMs` apart. */
function trickle(res: ServerResponse, everyMs: number): void {
  const end = res.end.bind(res);
  res.end = ((body?: string | Buffer) => {
    const bytes = Buffer.from(body ?? '');
    const size = Math.max(1, Math.ceil(bytes.length / 12));
    void (async () => {
      for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
        if (i > 0) await sleep(everyMs);
        res.write(bytes.subarray(i, i + size));
      }
      if (!res.destroyed) end();
    })();
    return res;
  }) as ServerResponse['end'];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startProductHuntStandIn(options: ProductHuntStandInOptions = {}): Promise<ProductHuntStandIn> {
  const now = options.now ?? Date.now;
  const token = options.token ?? `standin_${randomBytes(12).toString('hex')}`;
  const clientId = options.clientId ?? `client_${randomBytes(6).toString('hex')}`;
  const clientSecret = options.clientSecret ?? `secret_${randomBytes(12).toString('hex')}`;
  const issuedClientTokens = new Set<string>();
  const ourSlug = options.post ?? 'acme';
  const limit = options.limit ?? 6250;
  const cost = options.costPerRequest ?? 10;
  const windowMs = (options.windowS ?? 900) * 1000;
  const startedAt = now();
  const faults: PhFault[] = [];
  const log: PhStandInRequest[] = [];
  let windowResetAt = startedAt + windowMs;
  let remaining = limit;

  const posts: StandInPost[] = [
    {
      id: '1000',
      slug: ourSlug,
      name: options.postName ?? 'Acme',
      tagline: 'Launch-day operations, rehearsed',
      baseVotes: options.startVotes ?? 40,
      perMinute: options.votesPerMinute ?? 30,
      createdOffsetMs: 60_000,
    },
  ];
  const others = options.otherPosts ?? 11;
  for (let i = 0; i < others; i++) {
    const name = `${POST_NAMES[i % POST_NAMES.length]!}${i >= POST_NAMES.length ? ` ${Math.floor(i / POST_NAMES.length) + 1}` : ''}`;
    posts.push({
      id: String(1001 + i),
      slug: name.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      name,
      tagline: `The ${name} tagline`,
      // A spread around ours, so our rank moves as votes climb.
      baseVotes: 20 + ((i * 37) % 160),
      perMinute: 2 + ((i * 7) % 40),
      createdOffsetMs: 120_000 + i * 60_000,
    });
  }

  const votesOf = (p: StandInPost, at: number) => p.baseVotes + Math.floor((p.perMinute * Math.max(0, at - startedAt)) / 60_000);
  const nodeOf = (p: StandInPost, at: number) => {
    const dayStart = pacificDay(startedAt).startMs;
    return {
      id: p.id,
      name: p.name,
      slug: p.slug,
      tagline: p.tagline,
      url: `https://www.producthunt.com/posts/${p.slug}`,
      votesCount: options.hideVotes ? 0 : votesOf(p, at),
      commentsCount: Math.floor(votesOf(p, at) / 9),
      reviewsRating: 4.8,
      createdAt: new Date(dayStart + p.createdOffsetMs).toISOString(),
      featuredAt: new Date(dayStart + p.createdOffsetMs).toISOString(),
    };
  };

  const rollWindow = (at: number) => {
    if (at >= windowResetAt) {
      windowResetAt = at + windowMs;
      remaining = limit;
    }
  };
  const rateHeaders = (at: number): Record<string, string> => ({
    'x-rate-limit-limit': String(limit),
    'x-rate-limit-remaining': String(remaining),
    'x-rate-limit-reset': options.resetHeader ?? String(Math.max(0, Math.ceil((windowResetAt - at) / 1000))),
  });

  const answerGraphql = (req: IncomingMessage, res: ServerResponse, body: string, at: number, entry: PhStandInRequest) => {
    const record = (status: number, kind: string) => Object.assign(entry, { status, kind });
    // 'slow' and 'trickle' faults are taken when a request arrives; the others when it is answered.
    const fault = faults[0] && faults[0].kind !== 'slow' && faults[0].kind !== 'trickle' ? faults.shift() : undefined;
    if (fault?.kind === '503') {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('Service Unavailable');
      return record(503, '503');
    }
    if (fault?.kind === 'cloudflare') {
      res.writeHead(403, { 'content-type': 'text/html; charset=UTF-8', server: 'cloudflare' });
      res.end('<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser before accessing api.producthunt.com.</body></html>');
      return record(403, 'cloudflare');
    }
    if (fault?.kind === '429-bare') {
      res.writeHead(429, { 'content-type': 'text/plain' });
      res.end('Too Many Requests');
      return record(429, '429-bare');
    }
    const auth = req.headers.authorization ?? '';
    const bearer = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    rollWindow(at);
    if (bearer !== token && !issuedClientTokens.has(bearer)) {
      sendJson(
        res,
        401,
        { data: null, errors: [{ error: 'invalid_oauth_token', error_description: 'Please supply a valid access token. Refer to our api documentation about how to authorize an api request. Please also make sure you require the correct scopes.' }] },
        { 'www-authenticate': 'Bearer realm="ProductHuntOauth2", error="invalid_token", error_description="The access token is invalid"' },
      );
      return record(401, 'token-rejected');
    }
    if (remaining <= 0) {
      remaining -= cost;
      const resetIn = Math.max(0, Math.ceil((windowResetAt - at) / 1000));
      sendJson(res, 429, { data: null, errors: [{ error: 'rate_limit_reached', error_description: 'Sorry. You have exceeded the API rate limit, please try again later.', details: { limit, remaining, reset_in: resetIn } }] }, rateHeaders(at));
      return record(429, 'rate-limited');
    }
    remaining -= cost;
    if (fault?.kind === 'graphql-error') {
      sendJson(res, 200, { errors: [{ message: fault.message ?? 'Query has complexity of 1126, which exceeds max complexity of 1000', locations: [{ line: 1, column: 1 }] }] }, rateHeaders(at));
      return record(200, 'graphql-error');
    }
    if (fault?.kind === 'malformed') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...rateHeaders(at) });
      res.end('{"data":{"post":{"name":"Acme","votesCount":');
      return record(200, 'malformed');
    }
    let parsed: { query?: unknown; variables?: Record<string, unknown> };
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      sendJson(res, 400, { errors: [{ message: 'Unexpected end of JSON input' }] }, rateHeaders(at));
      return record(400, 'bad-request');
    }
    const query = typeof parsed.query === 'string' ? parsed.query : '';
    const vars = parsed.variables ?? {};
    const data: Record<string, unknown> = {};
    const kinds: string[] = [];
    if (/\bpost\s*\(/.test(query)) {
      const p = posts.find((x) => x.slug === vars.slug);
      data.post = p ? nodeOf(p, at) : null;
      kinds.push('post');
    }
    if (/\bposts\s*\(/.test(query)) {
      const after = typeof vars.postedAfter === 'string' ? Date.parse(vars.postedAfter) : -Infinity;
      const before = typeof vars.postedBefore === 'string' ? Date.parse(vars.postedBefore) : Infinity;
      const sorted = posts
        .map((p) => nodeOf(p, at))
        .filter((n) => Date.parse(n.createdAt) >= after && Date.parse(n.createdAt) < before)
        .sort((a, b) => b.votesCount - a.votesCount || a.id.localeCompare(b.id));
      const start = typeof vars.after === 'string' ? Number(Buffer.from(vars.after, 'base64').toString('utf8')) + 1 : 0;
      const first = Math.min(MAX_PAGE, typeof vars.first === 'number' ? vars.first : MAX_PAGE);
      const page = sorted.slice(start, start + first);
      const cursorOf = (i: number) => Buffer.from(String(i)).toString('base64');
      data.posts = {
        edges: page.map((node, i) => ({ cursor: cursorOf(start + i), node })),
        pageInfo: {
          hasNextPage: start + first < sorted.length,
          hasPreviousPage: start > 0,
          startCursor: page.length ? cursorOf(start) : null,
          endCursor: page.length ? cursorOf(start + page.length - 1) : null,
        },
        totalCount: sorted.length,
      };
      kinds.push('posts');
    }
    sendJson(res, 200, { data }, rateHeaders(at));
    return record(200, kinds.join('+') || 'empty');
  };

  const answerToken = (res: ServerResponse, body: string, entry: PhStandInRequest) => {
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(body) as Record<string, unknown>;
    } catch {
      // answered as a wrong client below
    }
    if (parsed.client_id !== clientId || parsed.client_secret !== clientSecret || parsed.grant_type !== 'client_credentials') {
      sendJson(res, 401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
      Object.assign(entry, { status: 401, kind: 'token' });
      return;
    }
    const issued = `client_${randomBytes(12).toString('hex')}`;
    issuedClientTokens.add(issued);
    sendJson(res, 200, { access_token: issued, token_type: 'bearer', scope: 'public' });
    Object.assign(entry, { status: 200, kind: 'token' });
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const at = now();
      // Logged on arrival, so a request whose client gave up (timeout) still counts.
      const entry: PhStandInRequest = { at, path: req.url ?? '', status: 0, kind: 'pending' };
      log.push(entry);
      const slow = faults[0]?.kind === 'slow' ? (faults.shift() as { ms: number }).ms : 0;
      if (faults[0]?.kind === 'trickle') trickle(res, (faults.shift() as { everyMs: number }).everyMs);
      const delay = (options.latencyMs ?? 0) + slow;
      if (delay > 0) await sleep(delay);
      if (res.destroyed || req.socket.destroyed) {
        entry.kind = 'slow (client gone)';
        return;
      }
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'POST' && path === '/v2/api/graphql') return answerGraphql(req, res, body, at, entry);
      if (req.method === 'POST' && path === '/v2/oauth/token') return answerToken(res, body, entry);
      Object.assign(entry, { status: 404, kind: 'not-found' });
      sendJson(res, 404, { error: 'not_found' });
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: `${origin}/v2/api/graphql`,
    origin,
    token,
    clientId,
    clientSecret,
    post: ourSlug,
    requestCount: () => log.filter((r) => r.path.startsWith('/v2/api/graphql')).length,
    requests: () => [...log],
    fail: (...f) => void faults.push(...f),
    exhaustBudget(resetInS, left = 0) {
      remaining = left;
      windowResetAt = now() + resetInS * 1000;
    },
    votes: () => votesOf(posts[0]!, now()),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
