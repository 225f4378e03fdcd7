// The Product Hunt GraphQL client (undici). Every request of the process goes
// through one queue, and before each one the budget shared in Redis is checked:
// the budget belongs to the Product Hunt application, so laptops and CI jobs
// sharing one Redis share it (research/producthunt-api.md §2).
import { createHash } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { LaunchConfig } from '../../config/schema.js';
import { readSecret } from '../../config/load.js';
import { ConfigError, InterruptedError, UnreachableError } from '../../errors.js';
import { createKeys, type Keys } from '../../keys.js';
import { planRetry, type PhFailureKind } from './backoff.js';
import { MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS, isBudgetSpent, type PhRateLimit } from './ratelimit.js';
import { classifyPhResponse } from './response.js';
import { formatDuration } from '../../util/duration.js';
import { createHttpAgent, describeHttpError, httpRequest, isRetryableHttpError } from '../http.js';
import { luaScript, runScript } from '../lua.js';
import type { RedisClient } from '../redis.js';
import { maskSecrets } from '../../util/mask.js';
import { sleep } from '../../util/sleep.js';

export type PhSettings = NonNullable<LaunchConfig['productHunt']>;

/** Cloudflare has blocked clients without one (research §1, issues #321, #329). */
export const PH_USER_AGENT = 'launchctl (+launch-day Product Hunt poller)';
/** Longest a client-credentials token is reused before it is exchanged again (the API gives no expiry). */
const CLIENT_TOKEN_TTL_S = 7 * 86_400;
/** Keep the rate-limit hash this long after its reset, so `ph` can still show the last known budget. */
const RATE_LIMIT_KEEP_MS = 3_600_000;
const MAX_RESPONSE_BYTES = 2 * 1024 * 1024;

export interface PhClientOptions {
  config: LaunchConfig;
  redis: RedisClient;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Longest wait for a spent budget to reset; beyond it the call fails with the reset time. */
  maxWaitMs: number;
  onWait?: (reason: string, ms: number) => void;
  /** Told about answers that are odd but not fatal (a rate-limit reset too far away to believe). */
  onWarning?: (text: string) => void;
  now?: () => number;
  random?: () => number;
  dispatcher?: Dispatcher;
}

interface Credentials {
  token: string;
  /** Where the token came from, for messages (never the value). */
  source: string;
  /** Set for a client-credentials token cached in Redis (dropped on a 401). */
  cacheKey?: string;
}

// One queue per process: requests leave one at a time, so a process never
// spends the budget on requests racing each other.
let processQueue: Promise<unknown> = Promise.resolve();
function runQueued<T>(task: () => Promise<T>): Promise<T> {
  const run = processQueue.then(task, task);
  processQueue = run.catch(() => undefined);
  return run;
}

/** Settings of the productHunt section, or a ConfigError naming it. */
export function ensurePhSettings(config: LaunchConfig): PhSettings {
  if (!config.productHunt) {
    throw new ConfigError('productHunt is not configured', ['add "productHunt": { "post": "<your post slug>" } to the config file']);
  }
  return config.productHunt;
}

type RecordRateLimit = (
  key: string,
  limit: number,
  remaining: number,
  resetAt: number,
  now: number,
  keepMs: number,
  spent: 0 | 1,
  maxAheadMs: number,
  unknownWindowMs: number,
) => Promise<[number, number, number]>;

type ReleaseLock = (key: string, token: string, leave: string, leaveMs: number) => Promise<number>;

/** scripts/record-ratelimit.lua and scripts/release-lock.lua: KEYS[1] the budget hash / the lock. */
export const RECORD_RATE_LIMIT = luaScript('phRecordRateLimit', import.meta.url, 'scripts/record-ratelimit.lua', 1);
const RELEASE_LOCK = luaScript('phReleaseLock', import.meta.url, 'scripts/release-lock.lua', 1);

const recordRateLimit: (redis: RedisClient, ...args: Parameters<RecordRateLimit>) => ReturnType<RecordRateLimit> = (redis, ...args) =>
  runScript(redis, RECORD_RATE_LIMIT, args) as ReturnType<RecordRateLimit>;
const releaseLock = (redis: RedisClient, ...args: Parameters<ReleaseLock>) => runScript(redis, RELEASE_LOCK, args) as ReturnType<ReleaseLock>;

/**
 * The shared budget as last recorded by any process, or null when none is
 * known. A reset more than a day ahead (left by an older version, or written
 * by hand) is not believed: null, so nobody waits on it.
 */
export async function readSharedRateLimit(redis: RedisClient, keys: Keys, now = Date.now()): Promise<PhRateLimit | null> {
  const h = await redis.hgetall(keys.phRateLimit());
  const limit = Number(h.limit);
  const remaining = Number(h.remaining);
  const resetAt = Number(h.resetAt);
  if (h.remaining === undefined || !Number.isFinite(remaining) || !Number.isFinite(resetAt) || resetAt > now + MAX_RESET_MS) return null;
  return { limit: Number.isFinite(limit) ? limit : 0, remaining, resetAt };
}

/** Releases a fetch lock if this process still holds it, optionally leaving `leave` behind for `leaveMs`. */
export async function releasePhLock(redis: RedisClient, key: string, token: string, leave = '', leaveMs = 0): Promise<void> {
  await releaseLock(redis, key, token, leave, leaveMs);
}

/** Waits for the budget or a backoff; Ctrl-C during the wait ends the call (InterruptedError). */
export async function waitOrInterrupt(ms: number, signal?: AbortSignal): Promise<void> {
  await sleep(ms, signal);
  if (signal?.aborted) throw new InterruptedError();
}

function describeReset(resetAt: number, now: number): string {
  return `it resets at ${new Date(resetAt).toISOString().slice(11, 19)} UTC (in ${formatDuration(Math.max(0, resetAt - now))})`;
}

export class PhClient {
  readonly settings: PhSettings;
  readonly keys: Keys;
  private readonly options: PhClientOptions;
  private readonly now: () => number;
  /** Created on the first request: most calls are answered from the cache and need no sockets. */
  private ownDispatcher: Dispatcher | undefined;
  private credentials: Credentials | undefined;
  /** Requests this client sent upstream (for tests and `--json` diagnostics). */
  requestsSent = 0;

  constructor(options: PhClientOptions) {
    this.options = options;
    this.settings = ensurePhSettings(options.config);
    this.keys = createKeys(options.config.redis.keyPrefix);
    this.now = options.now ?? Date.now;
  }

  async close(): Promise<void> {
    await this.ownDispatcher?.close();
    this.ownDispatcher = undefined;
  }

  private get dispatcher(): Dispatcher {
    return this.options.dispatcher ?? (this.ownDispatcher ??= createHttpAgent({ connections: 2 }));
  }

  readRateLimit(): Promise<PhRateLimit | null> {
    return readSharedRateLimit(this.options.redis, this.keys, this.now());
  }

  /** Runs one GraphQL query through the process queue; returns `data`. */
  query(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    return runQueued(() => this.queryWithRetries(query, variables));
  }

  private secrets(): string[] {
    const env = this.options.env;
    return [this.credentials?.token, readSecret(env, this.settings.tokenEnv), readSecret(env, this.settings.clientSecretEnv)].filter((s): s is string => !!s);
  }

  private async waitForBudget(): Promise<void> {
    for (;;) {
      const rl = await this.readRateLimit();
      const now = this.now();
      if (!isBudgetSpent(rl, now)) return;
      const waitMs = rl!.resetAt - now;
      if (waitMs > this.options.maxWaitMs) {
        throw new UnreachableError(`the Product Hunt rate-limit budget is spent (${rl!.remaining}/${rl!.limit}, shared through Redis): ${describeReset(rl!.resetAt, now)}`, 'PH_RATE_LIMITED', {
          details: ['no request was sent; cached answers are still shown without --fresh'],
        });
      }
      // A little past the reset, so processes that waited do not arrive together.
      const delay = waitMs + Math.floor((this.options.random ?? Math.random)() * 500);
      this.options.onWait?.('rate-limit budget spent, waiting for the reset', delay);
      await waitOrInterrupt(delay, this.options.signal);
    }
  }

  /** Shares an observed budget (`spent`: it came with a 429) through Redis, expiry set in the same script. */
  private async recordRateLimit(rl: PhRateLimit | null, spent = false): Promise<void> {
    if (!rl) return;
    await recordRateLimit(this.options.redis, this.keys.phRateLimit(), rl.limit, rl.remaining, rl.resetAt, this.now(), RATE_LIMIT_KEEP_MS, spent ? 1 : 0, MAX_RESET_MS, UNKNOWN_RESET_WAIT_MS);
  }

  private async queryWithRetries(query: string, variables: Record<string, unknown>): Promise<Record<string, unknown>> {
    let attempt = 0;
    let rateLimitWaits = 0;
    let renewedToken = false;
    const apiUrl = this.settings.apiUrl;
    for (;;) {
      attempt++;
      if (this.options.signal?.aborted) throw new InterruptedError();
      await this.waitForBudget();
      const creds = await this.resolveCredentials();
      let failure: { kind: PhFailureKind; resetAt: number | null; message: string; code: string };
      try {
        this.requestsSent++;
        const res = await httpRequest(apiUrl, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'user-agent': PH_USER_AGENT,
            authorization: `Bearer ${creds.token}`,
          },
          body: JSON.stringify({ query, variables }),
          timeoutMs: this.settings.timeoutMs,
          maxBodyBytes: MAX_RESPONSE_BYTES,
          dispatcher: this.dispatcher,
          signal: this.options.signal,
        });
        const answer = classifyPhResponse({ status: res.status, headers: res.headers, body: res.body.toString('utf8'), nowMs: this.now() });
        if (answer.warning) this.options.onWarning?.(`Product Hunt: ${answer.warning}; the team backs off ${UNKNOWN_RESET_WAIT_MS / 1000} s instead`);
        if ('rateLimit' in answer) await this.recordRateLimit(answer.rateLimit, answer.kind === 'rate-limited');
        switch (answer.kind) {
          case 'ok':
            return answer.data;
          case 'token-rejected':
            if (creds.cacheKey && !renewedToken) {
              // A cached client token may have been revoked: exchange the pair once more.
              renewedToken = true;
              await this.options.redis.del(creds.cacheKey);
              this.credentials = undefined;
              attempt--;
              continue;
            }
            throw new UnreachableError(`Product Hunt rejected the token (HTTP 401, token rejected): check ${creds.source}`, 'PH_TOKEN_REJECTED', {
              details: ['create a developer token at https://www.producthunt.com/v2/oauth/applications'],
            });
          case 'cloudflare':
            throw new UnreachableError('the Product Hunt API is blocked by Cloudflare (HTTP 403 with an HTML challenge page)', 'PH_CLOUDFLARE', {
              details: ['this happens from some networks and data-centre IPs; try again later or from another network'],
            });
          case 'graphql-error':
            throw new UnreachableError(`the Product Hunt API answered with an error: ${maskSecrets(answer.messages.join('; '), this.secrets())}`, 'PH_GRAPHQL');
          case 'malformed':
            throw new UnreachableError(`the Product Hunt API answered HTTP ${answer.status} with a body that is not the expected JSON`, 'PH_BAD_RESPONSE');
          case 'http-error': {
            const why = answer.messages.length > 0 ? `: ${maskSecrets(answer.messages.join('; '), this.secrets())}` : '';
            throw new UnreachableError(`the Product Hunt API answered HTTP ${answer.status}${why}`, `PH_HTTP_${answer.status}`);
          }
          case 'rate-limited':
            failure = { kind: 'rate-limited', resetAt: answer.resetAt, message: 'the Product Hunt API answered 429 (rate limit reached)', code: 'PH_RATE_LIMITED' };
            break;
          case 'server':
            failure = { kind: 'server', resetAt: null, message: `the Product Hunt API answered HTTP ${answer.status}`, code: `PH_HTTP_${answer.status}` };
            break;
        }
      } catch (err) {
        if (this.options.signal?.aborted) throw new InterruptedError();
        if (!isRetryableHttpError(err)) {
          if (err instanceof UnreachableError || err instanceof ConfigError) throw err;
          throw new UnreachableError(`cannot reach the Product Hunt API at ${new URL(apiUrl).origin} (${maskSecrets(describeHttpError(err), this.secrets())})`, 'PH_UNREACHABLE', { cause: err });
        }
        failure = { kind: 'network', resetAt: null, message: `cannot reach the Product Hunt API at ${new URL(apiUrl).origin} (${describeHttpError(err)})`, code: 'PH_UNREACHABLE' };
      }

      const now = this.now();
      const decision = planRetry({ kind: failure.kind, attempt, rateLimitWaits, resetAt: failure.resetAt, nowMs: now, maxWaitMs: this.options.maxWaitMs, random: this.options.random });
      if (!decision.retry) {
        const when =
          failure.kind !== 'rate-limited'
            ? ''
            : failure.resetAt !== null
              ? `; ${describeReset(failure.resetAt, now)}`
              : `; the reset time is unknown: every process sharing this Redis waits ${UNKNOWN_RESET_WAIT_MS / 1000} s before the next request`;
        throw new UnreachableError(`${failure.message}: ${decision.reason}${when}`, failure.code);
      }
      if (failure.kind === 'rate-limited') rateLimitWaits++;
      this.options.onWait?.(failure.kind === 'rate-limited' ? 'rate limited (429), waiting for the reset' : `${failure.message}, retrying`, decision.delayMs);
      await waitOrInterrupt(decision.delayMs, this.options.signal);
    }
  }

  /** The developer token, or a client token exchanged once from the id/secret pair and cached in Redis. */
  private async resolveCredentials(): Promise<Credentials> {
    if (this.credentials) return this.credentials;
    const { env } = this.options;
    const s = this.settings;
    const token = readSecret(env, s.tokenEnv);
    if (token) return (this.credentials = { token, source: `the developer token in $${s.tokenEnv}` });
    const clientId = readSecret(env, s.clientIdEnv);
    const clientSecret = readSecret(env, s.clientSecretEnv);
    if (!clientId || !clientSecret) {
      throw new ConfigError(`no Product Hunt credentials: set $${s.tokenEnv} to a developer token, or $${s.clientIdEnv} and $${s.clientSecretEnv}`, [
        'productHunt.tokenEnv, productHunt.clientIdEnv and productHunt.clientSecretEnv name these variables',
      ]);
    }
    const source = `the client credentials in $${s.clientIdEnv} / $${s.clientSecretEnv}`;
    const cacheKey = this.keys.phClientToken(createHash('sha256').update(clientId).digest('hex').slice(0, 16));
    const cached = await this.options.redis.get(cacheKey);
    if (cached) return (this.credentials = { token: cached, source, cacheKey });
    const exchanged = await this.exchangeClientCredentials(clientId, clientSecret, source);
    await this.options.redis.set(cacheKey, exchanged, 'EX', CLIENT_TOKEN_TTL_S);
    return (this.credentials = { token: exchanged, source, cacheKey });
  }

  private async exchangeClientCredentials(clientId: string, clientSecret: string, source: string): Promise<string> {
    // https://api.producthunt.com/v2/api/graphql → https://api.producthunt.com/v2/oauth/token
    const tokenUrl = new URL('../oauth/token', this.settings.apiUrl).toString();
    const secrets = [clientSecret];
    let res;
    try {
      this.requestsSent++;
      res = await httpRequest(tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'user-agent': PH_USER_AGENT },
        body: JSON.stringify({ client_id: clientId, client_secret: clientSecret, grant_type: 'client_credentials' }),
        timeoutMs: this.settings.timeoutMs,
        maxBodyBytes: 64 * 1024,
        dispatcher: this.dispatcher,
        signal: this.options.signal,
      });
    } catch (err) {
      if (this.options.signal?.aborted) throw new InterruptedError();
      throw new UnreachableError(`cannot reach the Product Hunt token endpoint at ${new URL(tokenUrl).origin} (${maskSecrets(describeHttpError(err), secrets)})`, 'PH_UNREACHABLE', { cause: err });
    }
    const answer = classifyPhResponse({ status: res.status, headers: res.headers, body: res.body.toString('utf8'), nowMs: this.now() });
    if (answer.kind === 'cloudflare') throw new UnreachableError('the Product Hunt token endpoint is blocked by Cloudflare (HTTP 403 with an HTML challenge page)', 'PH_CLOUDFLARE');
    if (res.status === 401 || res.status === 400 || res.status === 403) {
      throw new UnreachableError(`Product Hunt rejected the client credentials (HTTP ${res.status}, token rejected): check ${source}`, 'PH_TOKEN_REJECTED');
    }
    let accessToken: unknown;
    try {
      accessToken = (JSON.parse(res.body.toString('utf8')) as { access_token?: unknown }).access_token;
    } catch {
      accessToken = undefined;
    }
    if (res.status !== 200 || typeof accessToken !== 'string' || accessToken === '') {
      throw new UnreachableError(`the Product Hunt token endpoint answered HTTP ${res.status} without an access token`, 'PH_BAD_RESPONSE');
    }
    return accessToken;
  }
}
