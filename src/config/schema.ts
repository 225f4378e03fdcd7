// The launch.config.json schema. Every field has a description and a default,
// so `launchctl config schema` gives editors completion and docs. Secrets are
// never fields: the file names the environment variables that hold them.
import { z } from 'zod';
import { foreignHostOf } from '../util/url.js';

const positiveInt = (what = 'a positive integer') => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const fraction = (what = 'a number from 0 to 1') => z.number({ error: `expected ${what}` }).min(0, { error: `expected ${what}` }).max(1, { error: `expected ${what}` });
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'expected the name of an environment variable (e.g. PH_TOKEN), not its value' });
const httpUrl = z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' });

export const ISO_UTC_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]00:00)$/;

export const launchSchema = z
  .strictObject({
    name: z.string().min(1).default('launch').describe('Product name shown in reports and the dashboard.'),
    t0: z
      .string()
      .regex(ISO_UTC_RE, { error: 'expected an ISO-8601 instant in UTC, like 2026-12-08T08:01:00Z' })
      .refine((s) => !Number.isNaN(Date.parse(s)), { error: 'expected a real date and time' })
      .optional()
      .describe('Launch time T-0 as an ISO-8601 instant in UTC (e.g. 2026-12-08T08:01:00Z). Phases and TTL decay are computed from it.'),
  })
  .describe('The launch itself.');

export const redisSchema = z
  .strictObject({
    url: z
      .string()
      .regex(/^rediss?:\/\//, { error: 'expected a redis:// or rediss:// URL' })
      .default('redis://127.0.0.1:6379')
      .describe('Redis URL (redis:// or rediss:// for TLS). Keep passwords out of the file: set the variable named by urlEnv instead. REDIS_URL and --redis override it. Percent-encode / ? # @ : % in the user name and password; a URL that cannot be read is a config error naming where it came from.'),
    urlEnv: envName.default('REDIS_URL').describe('Environment variable that holds the Redis URL, overriding `url`.'),
    keyPrefix: z.string().default('').describe('Prefix put before every key launchctl reads or writes (e.g. "acme:").'),
    cluster: z.boolean().default(false).describe('Connect to a Redis Cluster; `url` is one seed node.'),
    natMap: z
      .record(
        z.string().regex(/^[^\s:]+:\d{1,5}$/, { error: 'expected "host:port" as the cluster announces it' }),
        z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }),
      )
      .default({})
      .describe(
        'Cluster behind NAT or Docker: the address each node announces ("10.0.1.7:6379") mapped to the one launchctl can reach ({"host": "redis.example", "port": 7001}). Passed to ioredis as natMap.',
      ),
    tls: z
      .strictObject({
        caFile: z.string().optional().describe('PEM file of the CA that signed the server certificate (rediss:// only).'),
        rejectUnauthorized: z.boolean().default(true).describe('Verify the server certificate. Turn off only for a self-signed test server.'),
      })
      .prefault({})
      .describe('TLS options for rediss:// URLs.'),
    connectTimeoutMs: positiveInt().default(3000).describe('How long a one-shot command waits for Redis before it fails (exit 3).'),
    commandTimeoutMs: positiveInt()
      .default(5000)
      .describe(
        'Deadline of every Redis command: a Redis that stops answering (frozen, black-holed, a stale address after failover) fails a one-shot command with exit 3 after this long; watch and warm --repeat-after reconnect. Blocking reads (XREADGROUP BLOCK) get their block time plus this.',
      ),
  })
  .describe('Where Redis is.');

export const siteSchema = z
  .strictObject({
    origin: httpUrl.describe('The site being launched, e.g. https://acme.example. Only URLs of this origin are warmed.'),
    revalidate: z
      .strictObject({
        url: httpUrl.describe('Revalidation endpoint that warm falls back to for paths that fail (POST, JSON body listing the paths).'),
        secretEnv: envName.default('REVALIDATE_SECRET').describe('Environment variable holding the revalidation secret, sent as Authorization: Bearer.'),
      })
      .optional()
      .describe('The Next.js revalidation endpoint used as warm-up fallback.'),
    userAgent: z.string().default('launchctl-warmer').describe('User-Agent sent with warm-up and check requests.'),
  })
  .describe('The site being launched.');

export const warmPathSchema = z.strictObject({
  path: z
    .string()
    .regex(/^\//, { error: 'expected a path starting with /' })
    .superRefine((path, ctx) => {
      // `//other.example/x` or `/\other.example/x` would take the checklist's probes to another host.
      const host = path.startsWith('/') ? foreignHostOf(path) : null;
      if (host !== null) ctx.addIssue({ code: 'custom', message: `resolves to another host (${host}): expected a path on site.origin`, input: path });
    })
    .describe('Path on site.origin, e.g. /pricing. One that resolves to another host (//other.example/x, /\\other.example/x) is refused.'),
  ttl: positiveInt().describe('Marker TTL in whole seconds before jitter.'),
});

export const warmSchema = z
  .strictObject({
    paths: z.array(warmPathSchema).default([]).describe('Launch paths to warm, each with its TTL in seconds.'),
    defaultTtl: positiveInt().default(300).describe('TTL in seconds for paths from a sitemap or --paths-file.'),
    sitemap: httpUrl.optional().describe('Sitemap (or sitemap index, optionally gzipped) whose same-origin URLs are warmed too.'),
    jitter: z.number().min(0).max(0.5, { error: 'expected a number from 0 to 0.5' }).default(0.15).describe('TTL jitter as a fraction: each TTL is spread by ± this much so markers do not expire together.'),
    predictiveMaxFactor: z.number().min(1, { error: 'expected a number of at least 1' }).default(3).describe('Upper clamp of the --predictive TTL factor.'),
    predictiveWindowMs: positiveInt().default(3_600_000).describe('How far back --predictive counts engagement events per path.'),
    concurrency: positiveInt().default(16).describe('Requests in flight at once.'),
    timeoutMs: positiveInt().default(10_000).describe('Per-request timeout.'),
    retries: z.number().int().min(0).max(10).default(2).describe('Retries on network errors and 5xx (never on 4xx), with backoff.'),
    maxBodyBytes: positiveInt().default(5 * 1024 * 1024).describe('Bytes of a response body read at most; the rest is dropped.'),
  })
  .describe('Cache warm-up.');

export const streamsSchema = z
  .strictObject({
    maxLen: positiveInt().default(50_000).describe('Approximate cap (MAXLEN ~) of each day stream.'),
    retentionDays: positiveInt().default(7).describe('Day streams older than this are deleted by trim.'),
    group: z.string().min(1).default('conversion').describe('Consumer group that turns events into conversion state.'),
    maxEventBytes: positiveInt()
      .default(65_536)
      .describe('Longest event accepted, in bytes: an NDJSON line for `ingest` (longer lines are rejected with their line number), the encoded stream entry for the library.'),
  })
  .describe('The engagement event streams.');

export const conversionSchema = z
  .strictObject({
    weights: z
      .strictObject({
        hover: z.number().min(0).default(0.2).describe('Confidence a `hover` event adds.'),
        scroll: z.number().min(0).default(0.3).describe('Confidence a `scroll` event adds.'),
        cta_click: z.number().min(0).default(0.5).describe('Confidence a `cta_click` event adds.'),
        form_submit: z.number().min(0).default(1.0).describe('Confidence a `form_submit` event adds.'),
      })
      .prefault({})
      .describe('Confidence added by each event type.'),
    pricingAt: fraction().default(0.6).describe('Confidence at or above which the variant is `pricing`.'),
    videoBelow: fraction().default(0.3).describe('Confidence below which an idle user gets the `video` variant.'),
    idleMs: positiveInt().default(5000).describe('Idle time since the previous update that counts as idle.'),
    stateTtl: positiveInt().default(3600).describe('TTL of conv:state:<userId> in seconds.'),
  })
  .describe('Conversion rules.');

export const productHuntSchema = z
  .strictObject({
    post: z.string().min(1).describe('Slug of the launched post (producthunt.com/posts/<slug>).'),
    apiUrl: httpUrl.default('https://api.producthunt.com/v2/api/graphql').describe('GraphQL endpoint.'),
    tokenEnv: envName.default('PH_TOKEN').describe('Environment variable holding a developer token.'),
    clientIdEnv: envName.default('PH_CLIENT_ID').describe('Environment variable holding an OAuth client id (used when the token variable is unset).'),
    clientSecretEnv: envName.default('PH_CLIENT_SECRET').describe('Environment variable holding the OAuth client secret.'),
    cacheTtl: positiveInt().default(300).describe('Seconds an API answer is shared from the Redis cache.'),
    timeoutMs: positiveInt().default(10_000).describe('Per-request timeout.'),
  })
  .describe('Product Hunt polling.');

export const thresholdsSchema = z
  .strictObject({
    warmupSuccessRate: fraction().default(0.95).describe('warm exits 1 below this share of paths warmed or already warm.'),
    redisLatencyMs: positiveInt().default(50).describe('checklist redis.latency: PING p99 in ms at or under this passes; p50 above it fails.'),
    memoryMargin: fraction().default(0.2).describe('checklist redis.headroom: share of maxmemory kept free after the projected growth (warn inside the margin, fail above maxmemory).'),
    expectedUsers: positiveInt().default(10_000).describe('checklist redis.headroom: users expected to get a conversion state key during the launch.'),
    streamOverMaxLenFactor: z.number().min(1, { error: 'expected a number of at least 1' }).default(1.5).describe('checklist streams.bounded: a day stream longer than maxLen times this fails.'),
    groupLagMax: z.number().int().min(0).default(10_000).describe('checklist streams.group (T-0): most entries the consumer group may lag behind.'),
    pendingMaxAgeMs: positiveInt().default(60_000).describe('checklist streams.group (T-0): oldest pending (delivered, unacknowledged) entry age allowed, in ms.'),
    certWarnDays: positiveInt().default(14).describe('checklist site.tls: warn when the certificate expires within this many days.'),
    certFailDays: positiveInt().default(7).describe('checklist site.tls: fail when the certificate expires within this many days.'),
    siteLatencyP95Ms: positiveInt().default(800).describe('checklist site.latency: p95 of the origin GETs of the launch paths, in ms.'),
    siteSamples: positiveInt().default(3).describe('checklist site.latency: GETs per launch path.'),
    minJitter: z.number().min(0).max(0.5).default(0.1).describe('checklist warm.jitter: smallest TTL jitter that avoids a stampede of markers expiring together.'),
    phBudgetMin: fraction().default(0.2).describe('checklist ph.budget: share of the Product Hunt rate-limit budget that must be left (warn below; fail at zero).'),
    checkTimeoutMs: positiveInt().default(10_000).describe('checklist: how long one fact gatherer (Redis, site, TLS, Product Hunt) may take before its checks fail with a timeout.'),
  })
  .describe('Pass/fail thresholds for warm and checklist.');

export const configSchema = z
  .strictObject({
    $schema: z.string().optional().describe('Path or URL of the JSON Schema (for editors).'),
    launch: launchSchema.prefault({}),
    redis: redisSchema.prefault({}),
    site: siteSchema.optional(),
    warm: warmSchema.prefault({}),
    streams: streamsSchema.prefault({}),
    conversion: conversionSchema.prefault({}),
    productHunt: productHuntSchema.optional(),
    thresholds: thresholdsSchema.prefault({}),
  })
  .describe('launchctl configuration (launch.config.json).');

export type LaunchConfig = z.output<typeof configSchema>;
export type LaunchConfigInput = z.input<typeof configSchema>;
export type WarmPath = z.output<typeof warmPathSchema>;
