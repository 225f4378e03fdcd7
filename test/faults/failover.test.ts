/**
 * A Redis Cluster master killed (SIGKILL) under every verb: three masters with
 * one replica each, cluster-node-timeout 1 s. The master killed is the one
 * that serves the engagement day stream (and the ingest runs' streams, through
 * their hash tags), so every verb has work on it.
 *
 * The replica is held back from taking over (cluster-replica-no-failover) for
 * a few seconds after the kill, then released: a window long enough for the
 * one-shot verbs to hit both halves of it (the dead master refusing
 * connections, then cluster_state:fail with CLUSTERDOWN from every node), as a
 * slower failover would be (Redis' default node timeout is 15 s). Then the
 * replica takes over and every long-running verb must recover by itself:
 * - `consume` (long-running): after a drain, every state equals a pure replay of
 *   the entries in the stream, counters count each entry once, nothing pending;
 * - `watch --json` and its line mode: "reconnecting" (or a per-command note)
 *   during the window, connected values after, still running;
 * - `metrics`: every scrape answers 200 (launchctl_up 0 is allowed in the
 *   window), launchctl_up 1 after;
 * - `ingest` from stdin fed slowly and from a large file: each rides out the
 *   failover by itself (exit 0) and every line is in the stream once;
 * - one-shot verbs (state --summary, trim --dry-run, checklist, warm) during
 *   the window: exit 3 explaining CLUSTERDOWN / the lost connection, never 70,
 *   never a stack trace; after it, their usual answer.
 * FAILOVER_DEBUG=1 prints what each verb said. TEST_SEED replays the traffic.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/adapters/redis-server.js';
import type { EngagementEvent } from '../../src/domain/engagement/event.js';
import { generateTraffic } from '../../src/domain/engagement/simulate.js';
import { createKeys, utcDay } from '../../src/keys.js';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { runCli, startCli, type CliProcess, type CliResult } from '../helpers/cli.js';
import { expectPipelineExact, killMaster, masterPortOf, nodeCommand, pollUntil, prefixOnMaster, startCluster, waitForPromotion, type KilledMaster, type LocalCluster } from '../helpers/faults.js';
import { testSeed } from '../helpers/seed.js';
import { expectExactlyOnce, markedLine, sleep } from './ingest-helpers.js';

const SEED = testSeed();
const PREFIX = 'fo:';
const keys = createKeys(PREFIX);
const STACK = /\n\s+at |internal error/;
/** What a user must read when a one-shot verb hits the window: the failover named, in words. */
const EXPLAINED = /CLUSTERDOWN|the cluster is down|cluster_state:fail|lost the connection to Redis|cannot reach Redis|MOVED|failover/;
const STDIN_LINES = 12_000;
const FILE_LINES = 150_000;

let cluster: LocalCluster;
let raw: Cluster;
let dir: string;
let site: SiteStandIn;
let seedUrl: string;
let config: string;
let stream: string;
let killed: KilledMaster;

interface Scrape {
  at: number;
  status: number | string;
  up: string | undefined;
}
interface OneShot {
  verb: string;
  phase: 'early' | 'clusterdown' | 'after';
  result: CliResult;
}

// What the scenario saw, checked verb by verb below.
const seen = {
  killedAt: 0,
  promotedAt: 0,
  appliedBeforeKill: 0,
  consume: undefined as CliProcess | undefined,
  watchJson: undefined as CliProcess | undefined,
  watchLines: undefined as CliProcess | undefined,
  metrics: undefined as CliProcess | undefined,
  scrapes: [] as Scrape[],
  stdinIngest: undefined as { cli: CliProcess; code: number | null; config: string; prefix: string; input: string } | undefined,
  fileIngest: undefined as { cli: CliProcess; code: number | null; config: string; prefix: string; file: string } | undefined,
  oneShots: [] as OneShot[],
  writerErrors: 0,
};

async function writeConfig(name: string, prefix: string, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `${name}.json`);
  await writeFile(
    path,
    JSON.stringify({
      redis: { url: seedUrl, keyPrefix: prefix, cluster: true, connectTimeoutMs: 1000, commandTimeoutMs: 2000 },
      streams: { maxLen: 1_000_000 },
      site: { origin: site.origin, revalidate: { url: site.revalidateUrl } },
      warm: { paths: ['/', '/pricing', '/blog', '/docs'].map((path) => ({ path, ttl: 300 })), retries: 0 },
      ...extra,
    }),
  );
  return path;
}

const ONE_SHOTS: [string, string[]][] = [
  ['state --summary', ['state', '--summary']],
  ['trim --dry-run', ['trim', '--dry-run']],
  ['checklist', ['checklist', 't0', '--only', 'redis.reachable,redis.cluster']],
  ['warm', ['warm']],
];

async function runOneShots(phase: OneShot['phase']): Promise<void> {
  const results = await Promise.all(ONE_SHOTS.map(async ([verb, args]) => ({ verb, phase, result: await runCli(['-c', config, ...args], { env: { REVALIDATE_SECRET: 's3cret' }, timeoutMs: 30_000 }) })));
  seen.oneShots.push(...results);
}

function jsonLines(text: string): { redis: { connected: boolean; error?: string | null }; streams: unknown }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { redis: { connected: boolean; error?: string | null }; streams: unknown });
}

const scrapeUp = (body: string) => /^launchctl_up (\d)$/m.exec(body)?.[1];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-failover-'));
  [cluster, site] = await Promise.all([startCluster(3, 1, { nodeTimeoutMs: 1000, args: ['--cluster-replica-validity-factor', '0'] }), startSiteStandIn({ paths: ['/', '/pricing', '/blog', '/docs'], renderMs: 5, revalidateSecret: 's3cret' })]);
  const firstPort = cluster.nodes[0]!.port;
  stream = keys.engagementStream(utcDay(Date.now()));
  const target = await masterPortOf(firstPort, stream);
  // The seed node in the configs is one that stays up (neither the master killed nor its replica).
  const nodes = (await nodeCommand(target, 'CLUSTER', 'NODES')) as string;
  const replicaPort = Number(new RegExp(`127\\.0\\.0\\.1:(\\d+)@\\d+ slave ${/^(\w+) \S+ myself/m.exec(nodes)![1]}`).exec(nodes)![1]);
  const seedNode = cluster.nodes.find((n) => n.port !== target && n.port !== replicaPort)!;
  seedUrl = seedNode.url;
  raw = new Cluster([{ host: '127.0.0.1', port: seedNode.port }], { clusterRetryStrategy: () => 200, redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 1000 } });
  raw.on('error', () => undefined);
  config = await writeConfig('main', PREFIX);
  const [stdinPrefix, filePrefix] = [await prefixOnMaster(seedNode.port, target, 'in'), await prefixOnMaster(seedNode.port, target, 'file')];

  // The traffic: the first part before anything starts, the rest written during the test (through the failover).
  const events = generateTraffic({ seed: SEED, users: 300, totalEvents: 24_000, durationMs: 600_000, startMs: 1_764_500_000_000, paths: ['/', '/pricing'] });
  const write = async (slice: EngagementEvent[]) => {
    const p = raw.pipeline();
    for (const e of slice) p.xadd(stream, '*', 'userId', e.userId, 'eventType', e.eventType, 'payload', JSON.stringify(e.payload), 'ts', String(e.timestamp));
    await p.exec();
  };
  await write(events.slice(0, 4000));

  seen.consume = startCli(['-c', config, 'consume', '--consumer', 'fo-a', '--batch', '200']);
  seen.watchJson = startCli(['-c', config, 'watch', '--json', '--interval', '250ms']);
  seen.watchLines = startCli(['-c', config, 'watch', '--interval', '250ms']);
  const metricsPort = await findFreePort();
  seen.metrics = startCli(['-c', config, 'metrics', '--listen', `127.0.0.1:${metricsPort}`]);

  // Ingest: stdin fed slowly all through the failover, and a large file started just before the kill.
  const stdinConfig = await writeConfig('stdin', stdinPrefix);
  const input = Array.from({ length: STDIN_LINES }, (_, i) => markedLine(i + 1)).join('\n') + '\n';
  const stdinCli = startCli(['-c', stdinConfig, 'ingest', '-']);
  // A run that stopped (exit 3) closes its stdin: what the feeder writes after that goes nowhere.
  stdinCli.child.stdin.on('error', () => undefined);
  seen.stdinIngest = { cli: stdinCli, code: null, config: stdinConfig, prefix: stdinPrefix, input };
  const inputLines = input.split('\n');
  let fed = 0;
  let stopFeeding = false;
  const feeding = (async () => {
    // 200 lines every 50 ms until the failover is over, then the rest at once.
    while (fed < STDIN_LINES && !stopFeeding && stdinCli.child.exitCode === null) {
      stdinCli.child.stdin.write(inputLines.slice(fed, fed + 200).join('\n') + '\n');
      fed += 200;
      await sleep(50);
    }
    if (stdinCli.child.exitCode === null) stdinCli.child.stdin.end(fed < STDIN_LINES ? inputLines.slice(fed).join('\n') : '');
  })();
  const file = join(dir, 'large.ndjson');
  await writeFile(file, Array.from({ length: FILE_LINES }, (_, i) => markedLine(i + 1)).join('\n') + '\n');
  const fileConfig = await writeConfig('file', filePrefix);

  // Scrape the exporter all along.
  let scraping = true;
  const scraper = (async () => {
    while (scraping) {
      const at = Date.now();
      try {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
        seen.scrapes.push({ at, status: res.status, up: scrapeUp(await res.text()) });
      } catch (err) {
        // Before the exporter listens: not recorded. After, a failed scrape is a finding.
        if (seen.scrapes.length > 0) seen.scrapes.push({ at, status: String(err), up: undefined });
      }
      await sleep(200);
    }
  })();

  // The rest of the traffic, written all through the failover (retried in the window; the oracle reads the stream).
  let writing = true;
  const writer = (async () => {
    for (let i = 4000; i < events.length && writing; ) {
      try {
        await write(events.slice(i, i + 200));
        i += 200;
        await sleep(40);
      } catch {
        seen.writerErrors++;
        await sleep(100);
      }
    }
  })();

  const applied = async () => Number((await raw.hget(keys.convStats(), 'events')) ?? 0);
  await pollUntil('consume to apply events', async () => (await applied()) >= 1000, 30_000);
  await Promise.all([
    seen.watchJson.until('a connected JSON line', () => jsonLines(seen.watchJson!.stdout()).some((l) => l.redis.connected)),
    seen.watchLines.until('a first line', () => seen.watchLines!.stdout().trim().length > 0),
    pollUntil('a scrape with launchctl_up 1', () => Promise.resolve(seen.scrapes.some((s) => s.up === '1'))),
    pollUntil('the stdin ingest to write lines', async () => (await raw.xlen(createKeys(stdinPrefix).engagementStream(utcDay(Date.now())))) > 0),
  ]);
  const fileCli = startCli(['-c', fileConfig, 'ingest', file]);
  seen.fileIngest = { cli: fileCli, code: null, config: fileConfig, prefix: filePrefix, file };
  await pollUntil('the file ingest to write lines', async () => (await raw.xlen(createKeys(filePrefix).engagementStream(utcDay(Date.now())))) > 0);

  // The failover: the replica is held back a while, so the window has both halves.
  await nodeCommand(replicaPort, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'yes');
  seen.appliedBeforeKill = await applied();
  killed = await killMaster(cluster, target);
  seen.killedAt = Date.now();
  const early = runOneShots('early');
  // Every surviving node has flagged the master failed: CLUSTERDOWN everywhere.
  await pollUntil('cluster_state:fail', async () => {
    const infos = await Promise.all(killed.alivePorts.map((p) => nodeCommand(p, 'CLUSTER', 'INFO') as Promise<string>));
    return infos.every((i) => i.includes('cluster_state:fail'));
  });
  await Promise.all([early, runOneShots('clusterdown')]);
  await nodeCommand(replicaPort, 'CONFIG', 'SET', 'cluster-replica-no-failover', 'no');
  await waitForPromotion(killed);
  seen.promotedAt = Date.now();
  await runOneShots('after');

  stopFeeding = true;
  await feeding;
  await writer;
  writing = false;
  seen.stdinIngest.code = await stdinCli.exited;
  seen.fileIngest.code = await fileCli.exited;
  // Settle: the long-running verbs have had time to show connected values again.
  await Promise.all([
    pollUntil('a scrape with launchctl_up 1 after the failover', () => Promise.resolve(seen.scrapes.some((s) => s.at > seen.promotedAt && s.up === '1')), 20_000),
    seen.watchJson.until('a connected JSON line after the failover', () => jsonLines(seen.watchJson!.stdout()).at(-1)?.redis.connected === true, 20_000),
  ]);
  scraping = false;
  await scraper;
  if (process.env.FAILOVER_DEBUG) {
    const cut = (t: string) => t.slice(-3000);
    console.log(`window ${seen.promotedAt - seen.killedAt} ms\n--- consume\n${cut(seen.consume.stderr())}\n--- watch --json stderr\n${cut(seen.watchJson.stderr())}\n--- watch lines\n${cut(seen.watchLines.stdout())}\n${cut(seen.watchLines.stderr())}\n--- metrics\n${cut(seen.metrics.stderr())}\n${JSON.stringify(seen.scrapes.filter((x) => x.at > seen.killedAt - 500 && x.at < seen.promotedAt + 1500))}\n--- stdin ingest ${seen.stdinIngest.code}\n${cut(stdinCli.stderr())}\n--- file ingest ${seen.fileIngest.code}\n${cut(fileCli.stderr())}\n--- one-shots\n${seen.oneShots.map((o) => `${o.phase} ${o.verb}: ${o.result.code}\n${o.result.stderr}`).join('\n')}`);
  }
}, 180_000);

afterAll(async () => {
  for (const p of [seen.consume, seen.watchJson, seen.watchLines, seen.metrics, seen.stdinIngest?.cli, seen.fileIngest?.cli]) p?.child.kill('SIGKILL');
  raw?.disconnect();
  await Promise.all([cluster?.stop(), site?.stop()]);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`a cluster master killed under every verb (seed ${SEED})`, () => {
  it('the failover happened under running work', () => {
    expect(seen.appliedBeforeKill, 'consume had started').toBeGreaterThan(0);
    expect(seen.promotedAt - seen.killedAt).toBeGreaterThan(0);
  });

  it('consume rides it out: after a drain every state is a replay of the stream, nothing lost or doubled', { timeout: 60_000 }, async () => {
    const consume = seen.consume!;
    let last = '';
    await pollUntil(
      'consume to drain the stream',
      async () => {
        const [pending] = (await raw.xpending(stream, 'conversion')) as [number];
        const groups = (await raw.xinfo('GROUPS', stream)) as unknown[][];
        const lag = groups.map((g) => g[g.indexOf('lag') + 1])[0];
        last = `pending ${pending}, lag ${String(lag)}, xlen ${await raw.xlen(stream)}`;
        return Number(pending) === 0 && lag === 0;
      },
      40_000,
    ).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}: ${last}\n${consume.stderr()}`);
    });
    expect(consume.child.exitCode, consume.stderr()).toBeNull();
    // The events are what the stream holds: a write retried in the window may be in it twice, and that is two events.
    const entries = (await raw.xrange(stream, '-', '+')) as [string, string[]][];
    const events: EngagementEvent[] = entries.map(([, f]) => {
      const get = (k: string) => f[f.indexOf(k) + 1]!;
      return { userId: get('userId'), eventType: get('eventType') as EngagementEvent['eventType'], payload: JSON.parse(get('payload')) as Record<string, unknown>, timestamp: Number(get('ts')) };
    });
    // A script call that ran while its master died loses its reply: the states stay exact, and consume says by how
    // much the counters may be short (their deltas were in the lost reply). Then they are short by no more than that.
    const uncounted = [...consume.stderr().matchAll(/(\d+) entries were found applied by a call whose reply was lost/g)].reduce((a, m) => a + Number(m[1]), 0);
    await expectPipelineExact(raw, { prefix: PREFIX, stream, events, countersMayBeShortBy: uncounted, context: `seed ${SEED}\n${consume.stderr()}` });
    consume.child.kill('SIGTERM');
    expect(await consume.exited, consume.stderr()).toBe(130);
    expect(consume.stderr()).toMatch(/Redis refuses the work for now/);
    expect(consume.stderr()).toMatch(/Redis accepts the work again/);
    // The failover is Redis refusing for a while, not a failed batch re-read (which would count a delivery).
    expect(consume.stderr()).not.toMatch(/batch failed/);
    expect(consume.stderr()).not.toMatch(STACK);
  });

  it('watch --json says reconnecting (or notes the failing commands) in the window, connected values after, and keeps running', async () => {
    const cli = seen.watchJson!;
    const lines = jsonLines(cli.stdout());
    expect(lines.some((l) => !l.redis.connected || (l.redis.error ?? '') !== ''), cli.stderr()).toBe(true);
    const last = lines.at(-1)!;
    expect(last.redis.connected).toBe(true);
    expect(last.streams).not.toBeNull();
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).not.toMatch(STACK);
  });

  it('watch line mode says reconnecting in the window and prints connected lines after', async () => {
    const cli = seen.watchLines!;
    expect(cli.stdout() + cli.stderr()).toMatch(/reconnecting/);
    expect(cli.child.exitCode).toBeNull();
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.stderr()).not.toMatch(STACK);
  });

  it('metrics answers every scrape with 200, and launchctl_up 1 again after', () => {
    const failed = seen.scrapes.filter((s) => s.status !== 200);
    expect(failed, seen.metrics!.stderr()).toEqual([]);
    expect(seen.scrapes.filter((s) => s.at > seen.killedAt && s.at < seen.promotedAt).length).toBeGreaterThan(0);
    expect(seen.scrapes.filter((s) => s.at > seen.promotedAt).some((s) => s.up === '1')).toBe(true);
    expect(seen.metrics!.child.exitCode).toBeNull();
    expect(seen.metrics!.stderr()).not.toMatch(STACK);
  });

  for (const kind of ['stdinIngest', 'fileIngest'] as const) {
    it(`ingest (${kind === 'stdinIngest' ? 'stdin fed slowly' : 'a large file'}): carries on by itself, every line in once, exit 0`, async () => {
      const run = seen[kind]!;
      const total = kind === 'stdinIngest' ? STDIN_LINES : FILE_LINES;
      const runStream = createKeys(run.prefix).engagementStream(utcDay(Date.now()));
      const stderr = run.cli.stderr();
      expect(stderr).not.toMatch(STACK);
      // It rides out the failover (a 30 s reconnect window on a cluster) and counts a chunk once a replica has it.
      expect(run.code, stderr).toBe(0);
      if (kind === 'stdinIngest') expect(stderr).toMatch(/reconnected to Redis; carrying on/);
      const counts = new Map<number, number>();
      let from = '-';
      for (;;) {
        const batch = (await raw.xrange(runStream, from, '+', 'COUNT', 10_000)) as [string, string[]][];
        for (const [, f] of batch) {
          const line = (JSON.parse(f[f.indexOf('payload') + 1]!) as { line: number }).line;
          counts.set(line, (counts.get(line) ?? 0) + 1);
        }
        if (batch.length < 10_000) break;
        from = `(${batch.at(-1)![0]}`;
      }
      expectExactlyOnce(counts, total, `seed ${SEED}, exit ${run.code}\n${stderr}`);
    });
  }

  it('one-shot verbs in the window exit 3 explaining the failover, never 70, never a stack trace; after it they answer', () => {
    const output = (o: OneShot) => o.result.stdout + o.result.stderr;
    const report = seen.oneShots.map((o) => `${o.phase} ${o.verb}: exit ${o.result.code}\n${output(o)}`).join('\n');
    for (const o of seen.oneShots.filter((x) => x.phase !== 'after')) {
      expect(output(o), report).not.toMatch(STACK);
      // While the dead master is only unreachable, a verb whose keys all live elsewhere may still succeed; once
      // every node says CLUSTERDOWN, every verb fails, and says why.
      // The checklist may also catch the cluster still saying cluster_state:ok with the master flagged: a failed check, exit 1.
      if (o.phase === 'early') expect(o.verb === 'checklist' ? [0, 1, 3] : [0, 3], `${o.verb}\n${report}`).toContain(o.result.code);
      else expect(o.result.code, `${o.verb}\n${report}`).toBe(3);
      if (o.result.code === 3) expect(output(o), `${o.verb}\n${report}`).toMatch(EXPLAINED);
      if (o.result.code === 1) expect(output(o), `${o.verb}\n${report}`).toMatch(/FAIL\s+redis\.cluster: .*\n.*\n\s+found:\s+.*failing: 127\.0\.0\.1:\d+ \(master, p?fail\)/);
    }
    // Nothing answered for part of the keys as if it were all of them.
    for (const o of seen.oneShots.filter((x) => x.verb === 'trim --dry-run')) expect(output(o), report).not.toMatch(/no engagement day streams found/);
    const after = new Map(seen.oneShots.filter((o) => o.phase === 'after').map((o) => [o.verb, o]));
    for (const [verb] of ONE_SHOTS) {
      const o = after.get(verb)!;
      expect(output(o), report).not.toMatch(STACK);
      // The checklist names the failed node (a master lost, replaced by its replica): exit 1.
      expect(o.result.code, `${verb} after\n${report}`).toBe(verb === 'checklist' ? 1 : 0);
    }
  });
});
