// Every check's pass / warn / fail (and skip) from facts: pure, table-driven.
import { describe, expect, it } from 'vitest';
import type { LaunchConfigInput } from '../../config/schema.js';
import { validateConfig } from '../../config/validate.js';
import { CHECKS } from './registry.js';
import { parseClusterNodes } from './cluster.js';
import type { CheckStatus, ChecklistFacts, ClusterFacts, Fact, PathProbe, Phase, RedisNodeFacts, StreamFacts } from './types.js';

const T0 = Date.parse('2026-12-08T08:01:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const MB = 1024 * 1024;

const SITE = { origin: 'https://acme.example', revalidate: { url: 'https://acme.example/api/revalidate', secretEnv: 'REVALIDATE_SECRET' } };
const PH = { post: 'acme' };

function config(input: LaunchConfigInput = {}) {
  const r = validateConfig({ launch: { t0: '2026-12-08T08:01:00Z' }, site: SITE, productHunt: PH, warm: { paths: [{ path: '/', ttl: 300 }, { path: '/pricing', ttl: 600 }] }, ...input });
  if (!r.ok) throw new Error(r.errors.join('\n'));
  return r.config;
}

type FactsInput = Partial<Omit<ChecklistFacts, 'config'>> & { config?: LaunchConfigInput };

function facts({ config: cfg, ...rest }: FactsInput = {}): ChecklistFacts {
  return { nowMs: T0 - 2 * DAY, phase: 't-7', config: config(cfg), revalidateSecretSet: true, reportPath: null, ...rest };
}

function node(over: Partial<RedisNodeFacts> = {}): RedisNodeFacts {
  return {
    address: '127.0.0.1:6379',
    version: '7.2.4',
    usedMemory: 10 * MB,
    usedMemoryPeak: 20 * MB,
    maxmemory: 1024 * MB,
    policy: 'volatile-lru',
    totalSystemMemory: 8192 * MB,
    oomRejections: 0,
    evictedKeys: 0,
    uptimeS: 3600,
    memorySource: 'CONFIG',
    ...over,
  };
}

function redis(nodes: RedisNodeFacts[] = [node()], pingMs = [0.2, 0.3, 0.4]): Fact<NonNullable<ChecklistFacts['redis']> extends Fact<infer T> ? T : never> {
  return { ok: true, value: { url: 'redis://127.0.0.1:6379', nodes, unanswered: [], pingMs } };
}

const ID = (n: number) => `${n}`.repeat(40).slice(0, 40);

/** CLUSTER NODES of `masters` masters (slots split evenly) with `replicas` replicas each; `extra` lines appended. */
function clusterNodes(masters: number, replicas: number, extra = ''): string {
  const lines: string[] = [];
  const size = Math.ceil(16384 / masters);
  for (let m = 0; m < masters; m++) {
    lines.push(`${ID(m + 1)} 10.0.0.${m + 1}:6379@16379 master${m === 0 ? ',myself' : ''} - 0 0 ${m + 1} connected ${m * size}-${Math.min(16383, (m + 1) * size - 1)}`);
    for (let r = 0; r < replicas; r++) lines.push(`${ID(m + 1).slice(0, 38)}r${r} 10.0.1.${m * 10 + r}:6379@16379 slave ${ID(m + 1)} 0 0 ${m + 1} connected`);
  }
  return lines.join('\n') + extra;
}

function cluster(text: string, over: Partial<Extract<ClusterFacts, { enabled: true }>> = {}): ChecklistFacts['cluster'] {
  return { ok: true, value: { enabled: true, configured: true, seenFrom: '10.0.0.1:6379', state: 'ok', slotsAssigned: 16384, slotsOk: 16384, slotsPfail: 0, slotsFail: 0, nodes: parseClusterNodes(text), ...over } };
}

const down = { ok: false as const, cause: 'cannot reach Redis at redis://127.0.0.1:1 (ECONNREFUSED)', unreachable: true };

function stream(day: string, length: number, groups: StreamFacts['groups'] = [], bytes: number | null = length * 150): StreamFacts {
  return { key: `stream:engagement:${day}`, day, length, entriesAdded: length, bytes, groups };
}

function streams(list: StreamFacts[], deadLetters = 0): ChecklistFacts['streams'] {
  return { ok: true, value: { streams: list, window: { from: '2026-10-01', to: '2026-12-09' }, deadLetters } };
}

function probe(path: string, statuses: (number | null)[], cacheControl: string | null = 's-maxage=60, stale-while-revalidate', latencyMs = [50, 20, 20]): PathProbe {
  return { path, cacheControl, samples: statuses.map((status, i) => ({ status, latencyMs: status === null ? null : (latencyMs[i] ?? 20), error: status === null ? 'ECONNREFUSED' : undefined })) };
}

function site(paths: PathProbe[]): ChecklistFacts['site'] {
  return { ok: true, value: { origin: SITE.origin, paths } };
}

function ph(over: Partial<NonNullable<Extract<ChecklistFacts['ph'], { ok: true }>['value']>> = {}): ChecklistFacts['ph'] {
  return {
    ok: true,
    value: {
      status: { post: 'acme', name: 'Acme', votesCount: 120, commentsCount: 8, rank: 3, votesLastHour: 40, cached: true, fetchedAt: T0, rateLimit: { limit: 6250, remaining: 6000, resetAt: T0 + 600_000 } },
      error: null,
      rateLimit: { limit: 6250, remaining: 6000, resetAt: T0 + 600_000 },
      cacheOnly: false,
      ...over,
    },
  };
}

const TODAY = '2026-12-08';
const AT_LAUNCH = { phase: 't0' as Phase, nowMs: T0 + HOUR };

type Case = [label: string, input: FactsInput, status: CheckStatus, found?: RegExp];

const cases: Record<string, Case[]> = {
  'launch.t0': [
    ['set and in the future', {}, 'pass', /in 2d 00h/],
    ['not set', { config: { launch: {} } }, 'fail', /not set/],
    ['in the past before launch', { phase: 't-1', nowMs: T0 + 1 }, 'fail', /ago/],
    ['in the past at launch', AT_LAUNCH, 'pass', /1h 00m ago/],
  ],
  'redis.reachable': [
    ['answers', { redis: redis() }, 'pass', /1 master/],
    ['unreachable', { redis: { ok: false, cause: 'cannot reach Redis (ECONNREFUSED)' } }, 'fail', /ECONNREFUSED/],
    ['a cluster master does not answer', { redis: { ok: true, value: { url: 'redis://a:1', nodes: [node({ address: 'a:1' }), node({ address: 'b:1' })], unanswered: [{ address: 'c:1', cause: 'ECONNREFUSED' }], pingMs: [1] } } }, 'fail', /2 of 3 masters answered; no answer from c:1 \(ECONNREFUSED\)/],
  ],
  'redis.cluster': [
    ['standalone: skipped', { cluster: { ok: true, value: { enabled: false } } }, 'skip', /standalone/],
    ['3 masters, 1 replica each', { cluster: cluster(clusterNodes(3, 1)) }, 'pass', /16,384\/16,384 slots ok, 3 masters, each with ≥ 1 replica/],
    ['masters without replicas: named', { cluster: cluster(clusterNodes(3, 1).split('\n').filter((l) => !l.includes('10.0.1.10:')).join('\n')) }, 'warn', /without a replica: 10\.0\.0\.2:6379$/],
    ['a failed replica does not count', { cluster: cluster(clusterNodes(2, 1).replace('slave', 'slave,fail')) }, 'fail', /10\.0\.1\.0:6379 \(replica, fail\)/],
    ['a master flagged pfail', { cluster: cluster(clusterNodes(3, 0).replace('master -', 'master,fail? -')) }, 'fail', /failing: 10\.0\.0\.2:6379 \(master, pfail\)/],
    [
      'cluster_state:fail, slots down',
      { cluster: cluster(clusterNodes(3, 0).replace('master -', 'master,fail -'), { state: 'fail', slotsOk: 10923, slotsFail: 5461 }) },
      'fail',
      /^cluster_state:fail; 5,461 slots not ok \(0 pfail, 5,461 fail\); failing: 10\.0\.0\.2:6379 \(master, fail\)/,
    ],
    ['slots not assigned', { cluster: cluster(clusterNodes(3, 1), { slotsAssigned: 16000, slotsOk: 16000 }) }, 'fail', /384 slots not assigned/],
    ['a cluster reached without redis.cluster', { cluster: cluster(clusterNodes(3, 1), { configured: false }) }, 'fail', /redis\.cluster is false/],
    ['Redis down: skipped', { cluster: down }, 'skip'],
  ],
  'redis.latency': [
    ['fast', { redis: redis([node()], [0.2, 0.3, 0.5]) }, 'pass', /p50 0\.30ms/],
    ['p99 over the threshold only', { redis: redis([node()], [...Array<number>(98).fill(1), 80, 90]) }, 'warn'],
    ['p50 over the threshold', { redis: redis([node()], [60, 70, 80]) }, 'fail'],
    ['Redis down: skipped, not failed again', { redis: down }, 'skip'],
  ],
  'redis.version': [
    ['7.2', { redis: redis() }, 'pass', /7\.2\.4/],
    ['6.2: no lag', { redis: redis([node({ version: '6.2.14' })]) }, 'warn'],
    ['6.0: no XAUTOCLAIM', { redis: redis([node({ version: '6.0.20' })]) }, 'fail'],
    ['cluster: the oldest master counts, named', { redis: redis([node(), node({ version: '6.0.5', address: 'b:1' })]) }, 'fail', /6\.0\.5 \(oldest of 2 masters: b:1\)/],
  ],
  'redis.maxmemory': [
    ['set', { redis: redis() }, 'pass', /1\.00G/],
    ['0 = no limit', { redis: redis([node({ maxmemory: 0 })]) }, 'fail', /^0 \(no limit\)$/],
    ['cluster: the masters without a limit, named', { redis: redis([node({ address: 'a:1' }), node({ address: 'b:1', maxmemory: 0 })]) }, 'fail', /^0 \(no limit\) on b:1$/],
    ['cluster: the smallest master, named', { redis: redis([node({ address: 'a:1' }), node({ address: 'b:1', maxmemory: 512 * MB })]) }, 'pass', /512\.00M \(smallest of 2 masters: b:1\)/],
  ],
  'redis.eviction-policy': [
    ['volatile-lru', { redis: redis() }, 'pass'],
    ['noeviction', { redis: redis([node({ policy: 'noeviction' })]) }, 'pass', /OOM when full/],
    ['allkeys-lru', { redis: redis([node({ policy: 'allkeys-lru' })]) }, 'fail', /^allkeys-lru$/],
    ['cluster: the allkeys-* masters, named', { redis: redis([node({ address: 'a:1' }), node({ address: 'b:1', policy: 'allkeys-lru' })]) }, 'fail', /^allkeys-lru on b:1$/],
    ['unknown policy', { redis: redis([node({ policy: 'mystery' })]) }, 'warn'],
  ],
  'redis.headroom': [
    // 7 days × 50,000 × 150 B ≈ 50 MB + 10,000 × 250 B ≈ 2.4 MB + 10 MB used, against 1 GB.
    ['plenty of room', { redis: redis(), streams: streams([stream(TODAY, 1000)]) }, 'pass', /× 150 B/],
    ['inside the margin', { redis: redis([node({ maxmemory: 70 * MB })]), streams: streams([stream(TODAY, 1000)]) }, 'warn'],
    ['over maxmemory', { redis: redis([node({ maxmemory: 32 * MB })]), streams: streams([stream(TODAY, 1000)]) }, 'fail'],
    ['no maxmemory: system memory', { redis: redis([node({ maxmemory: 0 })]), streams: streams([]) }, 'pass', /system memory/],
    ['nothing to compare with', { redis: redis([node({ maxmemory: 0, totalSystemMemory: null })]), streams: streams([]) }, 'skip'],
    [
      'cluster: projected per master, the fullest one named',
      { redis: redis([1, 2, 3].map((i) => node({ address: `10.0.0.${i}:6379` }))), streams: streams([]), cluster: cluster(clusterNodes(3, 0)) },
      'pass',
      /^fullest master 10\.0\.0\.\d:6379: used 10\.00M \+ streams [1-7] of 7 day streams × 50,000 × ≈200 B \+ state 33\.\d% of 10,000 users/,
    ],
    ['cluster without its layout: the whole growth on each master', { redis: redis([node({ address: 'a:1' }), node({ address: 'b:1', maxmemory: 64 * MB })]), streams: streams([]) }, 'fail', /^b:1, whole growth on each master/],
  ],
  'redis.errors': [
    ['clean', { ...AT_LAUNCH, redis: redis() }, 'pass'],
    ['OOM rejections', { ...AT_LAUNCH, redis: redis([node({ oomRejections: 12 })]) }, 'fail', /12 OOM/],
    ['evicted keys', { ...AT_LAUNCH, redis: redis([node({ evictedKeys: 3 })]) }, 'fail', /3 evicted/],
    ['cluster: the masters with OOM rejections, named', { ...AT_LAUNCH, redis: redis([node({ address: 'a:1' }), node({ address: 'b:1', oomRejections: 7 })]) }, 'fail', /7 OOM rejections.*; on b:1 \(7 OOM, 0 evicted\)$/],
    ['Redis < 6.2: OOM n/a', { ...AT_LAUNCH, redis: redis([node({ oomRejections: null })]) }, 'pass', /n\/a/],
  ],
  'streams.bounded': [
    ['no streams yet', { streams: streams([]) }, 'pass', /no day streams/],
    ['under maxLen', { streams: streams([stream(TODAY, 49_000)]) }, 'pass'],
    ['a little over (MAXLEN ~ slack exceeded)', { streams: streams([stream(TODAY, 60_000)]) }, 'warn'],
    ['far over', { streams: streams([stream('2026-12-07', 10), stream(TODAY, 200_000)]) }, 'fail', /200,000 \(2026-12-08\)/],
    ['gatherer failed', { streams: { ok: false, cause: 'streams: no answer within 10000 ms' } }, 'fail', /no answer/],
  ],
  'streams.group': [
    ['T-1, no stream yet', { phase: 't-1', nowMs: T0 - HOUR, streams: streams([]) }, 'warn'],
    ['T-1, group exists', { phase: 't-1', nowMs: T0 - HOUR, streams: streams([stream('2026-12-07', 10, [{ name: 'conversion', pending: 0, lag: 0, oldestPendingId: null }])]) }, 'pass'],
    ['T-1, stream without the group', { phase: 't-1', nowMs: T0 - HOUR, streams: streams([stream('2026-12-07', 10)]) }, 'fail', /no group/],
    ['T-0, keeping up', { ...AT_LAUNCH, streams: streams([stream(TODAY, 10, [{ name: 'conversion', pending: 2, lag: 5, oldestPendingId: `${T0 + HOUR - 1000}-0` }])]) }, 'pass', /lag 5, 2 pending, oldest 1\.00s/],
    ['T-0, lagging', { ...AT_LAUNCH, streams: streams([stream(TODAY, 10, [{ name: 'conversion', pending: 0, lag: 50_000, oldestPendingId: null }])]) }, 'fail'],
    ['T-0, old pending entry', { ...AT_LAUNCH, streams: streams([stream(TODAY, 10, [{ name: 'conversion', pending: 1, lag: 0, oldestPendingId: `${T0}-0` }])]) }, 'fail', /oldest 1h 00m/],
    ['T-0, lag n/a before Redis 7', { ...AT_LAUNCH, streams: streams([stream(TODAY, 10, [{ name: 'conversion', pending: 0, lag: null, oldestPendingId: null }])]) }, 'pass', /n\/a/],
    ['T-0, dead letters', { ...AT_LAUNCH, streams: streams([stream(TODAY, 10, [{ name: 'conversion', pending: 0, lag: 0, oldestPendingId: null }])], 4) }, 'warn', /4 dead letters/],
  ],
  'site.paths': [
    ['all 2xx and cacheable', { site: site([probe('/', [200, 200, 200]), probe('/pricing', [200, 200, 200])]) }, 'pass'],
    ['no-store', { site: site([probe('/', [200, 200, 200], 'no-store')]) }, 'warn', /no-store/],
    ['private', { site: site([probe('/', [200, 200, 200], 'private, max-age=60')]) }, 'warn', /private/],
    ['no max-age', { site: site([probe('/', [200, 200, 200], null)]) }, 'warn', /no Cache-Control/],
    ['a 500', { site: site([probe('/', [200]), probe('/pricing', [500])]) }, 'fail', /\/pricing 500/],
    ['a redirect', { site: site([probe('/', [301])]) }, 'fail', /301/],
    ['no answer', { site: site([probe('/', [null])]) }, 'fail', /ECONNREFUSED/],
    ['site not configured', { config: { site: undefined } }, 'skip'],
  ],
  'site.tls': [
    ['valid for months', { tls: { ok: true, value: { host: 'acme.example', validTo: T0 + 90 * DAY, authorized: true, authorizationError: null } } }, 'pass', /in 92 days/],
    ['expires in 10 days', { tls: { ok: true, value: { host: 'acme.example', validTo: T0 + 8 * DAY, authorized: true, authorizationError: null } } }, 'warn'],
    ['expires in 3 days', { tls: { ok: true, value: { host: 'acme.example', validTo: T0 + DAY, authorized: true, authorizationError: null } } }, 'fail'],
    ['expired', { tls: { ok: true, value: { host: 'acme.example', validTo: T0 - 3 * DAY, authorized: false, authorizationError: 'CERT_HAS_EXPIRED' } } }, 'fail', /expired/],
    ['self-signed, long-lived', { tls: { ok: true, value: { host: 'acme.example', validTo: T0 + 90 * DAY, authorized: false, authorizationError: 'DEPTH_ZERO_SELF_SIGNED_CERT' } } }, 'warn', /not trusted/],
    ['http origin', { config: { site: { origin: 'http://acme.example' } } }, 'skip', /not https/],
  ],
  'site.social': [
    ['both tags', { social: { ok: true, value: { url: 'https://acme.example/', status: 200, ogTitle: 'Acme', ogImage: 'https://acme.example/og.png' } } }, 'pass'],
    ['no og:image', { social: { ok: true, value: { url: 'https://acme.example/', status: 200, ogTitle: 'Acme', ogImage: null } } }, 'fail', /og:image/],
    ['relative og:image', { social: { ok: true, value: { url: 'https://acme.example/', status: 200, ogTitle: 'Acme', ogImage: '/og.png' } } }, 'warn'],
    ['landing page down', { social: { ok: true, value: { url: 'https://acme.example/', status: 503, ogTitle: null, ogImage: null } } }, 'fail', /503/],
  ],
  'site.revalidate': [
    ['configured, secret set', {}, 'pass'],
    ['secret unset', { revalidateSecretSet: false }, 'fail', /REVALIDATE_SECRET is not set/],
    ['not configured', { config: { site: { origin: SITE.origin } } }, 'warn'],
  ],
  'site.latency': [
    ['fast', { site: site([probe('/', [200, 200, 200], null, [100, 50, 50])]) }, 'pass'],
    ['cold first hit only', { site: site([probe('/', [200, 200, 200], null, [2500, 50, 50]), probe('/pricing', [200, 200, 200], null, [2500, 40, 40])]) }, 'warn', /without first hits/],
    ['slow even when warm', { site: site([probe('/', [200, 200, 200], null, [2500, 1500, 1500])]) }, 'fail'],
  ],
  'warm.jitter': [
    ['0.15', {}, 'pass'],
    ['0', { config: { warm: { jitter: 0 } } }, 'fail'],
  ],
  'warm.markers': [
    ['all present', { ...AT_LAUNCH, markers: { ok: true, value: { paths: [{ path: '/', present: true }, { path: '/pricing', present: true }] } } }, 'pass', /2\/2/],
    ['one missing', { ...AT_LAUNCH, markers: { ok: true, value: { paths: [{ path: '/', present: true }, { path: '/pricing', present: false }] } } }, 'fail', /cold: \/pricing/],
  ],
  'ph.token': [
    ['accepted', { ph: ph() }, 'pass'],
    ['variable unset', { ph: ph({ status: null, error: { kind: 'config', message: 'PH_TOKEN is not set' } }) }, 'fail', /PH_TOKEN/],
    ['rejected', { ph: ph({ status: null, error: { kind: 'token', message: 'token rejected (401)' } }) }, 'fail'],
    ['not configured', { config: { productHunt: undefined } }, 'skip'],
  ],
  'ph.post': [
    ['found', { phase: 't-1', ph: ph() }, 'pass', /120 votes, rank ≈#3/],
    ['not found before launch', { phase: 't-1', ph: ph({ status: null, error: { kind: 'not-found', message: 'post "acme" not found' } }) }, 'warn'],
    ['not found at launch', { ...AT_LAUNCH, ph: ph({ status: null, error: { kind: 'not-found', message: 'post "acme" not found' } }) }, 'fail'],
    ['token problem: skipped', { phase: 't-1', ph: ph({ status: null, error: { kind: 'token', message: 'token rejected' } }) }, 'skip'],
  ],
  'ph.budget': [
    ['plenty', { phase: 't-1', ph: ph() }, 'pass', /6,000\/6,250/],
    ['low', { phase: 't-1', ph: ph({ rateLimit: { limit: 6250, remaining: 500, resetAt: T0 } }) }, 'warn'],
    ['spent', { phase: 't-1', ph: ph({ rateLimit: { limit: 6250, remaining: 0, resetAt: T0 } }) }, 'fail'],
    ['unknown yet', { phase: 't-1', ph: ph({ rateLimit: null }) }, 'skip'],
  ],
  'launch.report': [
    [
      'everything available',
      {
        phase: 't+1',
        nowMs: T0 + 2 * DAY,
        reportPath: '/tmp/report.json',
        redis: redis(),
        streams: streams([stream(TODAY, 1200)]),
        counters: { ok: true, value: { events: 1100, users: 300, deadLettered: 0, variants: { default: 200, pricing: 80, video: 20 }, updatedAt: T0 } },
        markers: { ok: true, value: { paths: [{ path: '/', present: true }] } },
        ph: ph({ cacheOnly: true }),
      },
      'pass',
      /120 votes, rank ≈#3, 1,200 events ingested, 1,100 consumed.*written to \/tmp\/report\.json/,
    ],
    ['PH cache empty', { phase: 't+1', redis: redis(), streams: streams([]), counters: { ok: true, value: { events: 0, users: 0, deadLettered: 0, variants: { default: 0, pricing: 0, video: 0 }, updatedAt: null } }, markers: { ok: true, value: { paths: [] } }, ph: ph({ status: null, error: { kind: 'other', message: 'nothing in the shared cache' } }) }, 'warn', /missing productHunt/],
  ],
};

describe.each(CHECKS.map((c) => [c.id, c] as const))('%s', (id, check) => {
  const table = cases[id];
  it('has cases', () => {
    expect(table?.length ?? 0).toBeGreaterThan(0);
  });
  it.each((table ?? []).map(([label, input, status, found]) => [`${label} → ${status}`, input, status, found] as const))('%s', (_name, input, status, found) => {
    const outcome = check.evaluate(facts(input), config(input.config).thresholds);
    expect(outcome.status, outcome.found).toBe(status);
    expect(outcome.expected).not.toBe('');
    if (found) expect(outcome.found).toMatch(found);
    if (outcome.status === 'fail') expect(outcome.hint ?? '', 'a failure says how to fix it').not.toBe('');
  });
});
