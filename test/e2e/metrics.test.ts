// `launchctl metrics` end to end, with the real parts: the built CLI serving
// /metrics, a real Prometheus scraping it every second, a real Pushgateway, and
// promtool. Redis is a throwaway redis-server with a password, stopped halfway.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort, startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';
import { flatToRecord, parseXinfoGroups } from '../../src/adapters/redis-replies.js';
import { startSiteStandIn, type SiteStandIn } from '../../src/standins/site.js';
import { runCli, startCli, type CliProcess } from '../helpers/cli.js';
import { missingBinaries, runPromtool, startPrometheus, startPushgateway, type PrometheusHandle } from '../helpers/prometheus.js';

const PASSWORD = 'm3trics-s3cret-pw';
const PREFIX = 'mx:';
const missing = missingBinaries('prometheus', 'promtool', 'pushgateway');
const user = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

describe.skipIf(missing !== null && !process.env.CI)('launchctl metrics with a real Prometheus', () => {
  let dir: string;
  let server: RedisServerHandle;
  let site: SiteStandIn;
  let config: string;
  let redisUrl: string;
  beforeAll(async () => {
    if (missing) throw new Error(missing);
    dir = await mkdtemp(join(tmpdir(), 'launchctl-metrics-e2e-'));
    server = await startRedisServer({ args: ['--requirepass', PASSWORD] });
    redisUrl = server.url.replace('redis://', `redis://:${PASSWORD}@`);
    site = await startSiteStandIn({ paths: ['/', '/pricing'], renderMs: 2 });
    config = join(dir, 'launch.config.json');
    await writeFile(
      config,
      JSON.stringify({
        launch: { name: 'Acme Launch', t0: new Date(Date.now() - 3_600_000).toISOString() },
        redis: { url: redisUrl, keyPrefix: PREFIX },
        site: { origin: site.origin },
        warm: { paths: [{ path: '/', ttl: 300 }, { path: '/pricing', ttl: 300 }] },
      }),
    );
    // History: 10 events applied by a consumer, then 5 more it has not read (lag 5).
    const events = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => JSON.stringify({ userId: user(from + i), eventType: i % 2 ? 'cta_click' : 'hover', payload: { path: '/' }, timestamp: Date.now() })).join('\n');
    await writeFile(join(dir, 'a.ndjson'), events(0, 10));
    await writeFile(join(dir, 'b.ndjson'), events(100, 5));
    expect((await runCli(['-c', config, 'ingest', join(dir, 'a.ndjson')])).code).toBe(0);
    expect((await runCli(['-c', config, 'consume', '--once'])).code).toBe(0);
    expect((await runCli(['-c', config, 'ingest', join(dir, 'b.ndjson')])).code).toBe(0);
    expect((await runCli(['-c', config, 'warm'])).code).toBe(0);
  });
  afterAll(async () => {
    await server?.stop();
    await site?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('--once passes promtool check metrics, holds what Redis holds, and no secret', async () => {
    const r = await runCli(['-c', config, 'metrics', '--once', '--probe']);
    expect(r.code, r.stderr).toBe(0);
    const check = await runPromtool(['check', 'metrics'], r.stdout);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout + check.stderr).toBe('');
    expect(r.stdout).toMatch(/^launchctl_up 1$/m);
    expect(r.stdout).toMatch(/^launchctl_warm_paths\{result="warmed"\} 2$/m);
    expect(r.stdout).toMatch(/^launchctl_warm_markers\{state="alive"\} 2$/m);
    expect(r.stdout).toMatch(/^launchctl_probe_success\{path="\/pricing"\} 1$/m);
    expect(r.stdout).toMatch(/^launchctl_engagement_events_applied_total 10$/m);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('Prometheus stores the families with the values Redis holds; with Redis stopped launchctl_up is 0 within two scrapes and every scrape still answers in time', async () => {
    const port = await findFreePort();
    const exporter: CliProcess = startCli(['-c', config, 'metrics', '--listen', `127.0.0.1:${port}`]);
    let prom: PrometheusHandle | undefined;
    try {
      await exporter.until('serving', () => exporter.stderr().includes('serving'), 10_000);
      const landing = await (await fetch(`http://127.0.0.1:${port}/`)).text();
      expect(landing).toContain('Acme Launch');
      expect(landing).not.toContain(PASSWORD);
      prom = await startPrometheus({ targets: [`127.0.0.1:${port}`], scrapeIntervalS: 1 });
      await prom.waitFor('launchctl_up', (s) => s[0]?.value === 1);

      const raw = new Redis(redisUrl);
      try {
        const stream = `${PREFIX}stream:engagement:${new Date().toISOString().slice(0, 10)}`;
        const [group] = parseXinfoGroups(await raw.call('XINFO', 'GROUPS', stream));
        const stats = flatToRecord(await raw.call('HGETALL', `${PREFIX}conv:stats`));
        expect(group?.lag).toBe(5);
        const lag = await prom.query(`launchctl_stream_group_lag{stream="${stream}",group="${group!.name}"}`);
        expect(lag.map((s) => s.value)).toEqual([group!.lag]);
        const pending = await prom.query(`launchctl_stream_group_pending{stream="${stream}"}`);
        expect(pending.map((s) => s.value)).toEqual([group!.pending]);
        for (const variant of ['default', 'pricing', 'video']) {
          const users = await prom.query(`launchctl_conversion_users{variant="${variant}"}`);
          expect(users.map((s) => s.value), variant).toEqual([Number(stats[`variant:${variant}`] ?? 0)]);
        }
      } finally {
        raw.disconnect();
      }
      // No label holds the URL or the password.
      const series = (await (await fetch(`${prom.url}/api/v1/series?${new URLSearchParams({ 'match[]': '{job="launchctl"}' })}`)).text());
      expect(series).not.toContain(PASSWORD);
      expect(series).not.toContain('redis://');

      const stoppedAt = Date.now() / 1000;
      await server.stop();
      await prom.waitFor('launchctl_up', (s) => s[0]?.value === 0, 15_000);
      // Wait for a few more scrapes, then read every sample since the stop.
      await new Promise((r) => setTimeout(r, 3000));
      const [upSeries] = await prom.queryMatrix('launchctl_up[1m]');
      const after = upSeries!.values.filter(([t]) => t > stoppedAt).map(([, v]) => v);
      expect(after.indexOf(0), `samples after the stop: ${after.join(',')}`).toBeGreaterThanOrEqual(0);
      expect(after.indexOf(0), `samples after the stop: ${after.join(',')}`).toBeLessThanOrEqual(1);
      expect(after.slice(after.indexOf(0)).every((v) => v === 0)).toBe(true);
      // Prometheus' view of the target: every scrape answered within its 1 s timeout.
      const [target] = await prom.queryMatrix('up{job="launchctl"}[1m]');
      expect(target!.values.map(([, v]) => v).every((v) => v === 1)).toBe(true);
      expect(exporter.stderr()).not.toMatch(/internal error|\n {4}at /);
      expect(exporter.stderr()).not.toContain(PASSWORD);
    } finally {
      await prom?.stop();
      exporter.child.kill('SIGINT');
      // Ctrl-C ends the exporter like any verb: exit 130 (SPEC's exit codes).
      expect(await exporter.exited).toBe(130);
    }
  });
});

describe.skipIf(missingBinaries('pushgateway', 'promtool') !== null && !process.env.CI)('pushes to a real Pushgateway', () => {
  it('metrics --push and checklist t-1 --push land in the launch\'s group side by side', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-push-e2e-'));
    const server = await startRedisServer();
    const gateway = await startPushgateway();
    try {
      const config = join(dir, 'launch.config.json');
      await writeFile(config, JSON.stringify({ launch: { name: 'Acme', t0: '2026-12-08T08:01:00Z' }, redis: { url: server.url, keyPrefix: 'px:' } }));
      const pushed = await runCli(['-c', config, 'metrics', '--push', gateway.url]);
      expect(pushed.code, pushed.stderr).toBe(0);
      const checklist = await runCli(['-c', config, 'checklist', 't-1', '--only', 'redis.reachable,redis.version', '--push', gateway.url]);
      expect(checklist.code, checklist.stderr).toBe(0);
      const text = await gateway.metrics();
      expect(text).toMatch(/^launchctl_up\{instance="",job="launchctl",launch="Acme"\} 1$/m);
      expect(text).toMatch(/^launchctl_checklist_passed\{instance="",job="launchctl",launch="Acme",phase="t-1"\} 1$/m);
      expect(text).toMatch(/^launchctl_checklist_check_status\{check="redis.reachable",instance="",job="launchctl",launch="Acme",status="pass"\} 1$/m);
      // The gateway accepted both pushes (a refused one sets push_failure_time_seconds).
      expect(text).toMatch(/^push_failure_time_seconds\{instance="",job="launchctl",launch="Acme"\} 0$/m);
      // A gateway that is not there: exit 3, named.
      const port = await findFreePort();
      const refused = await runCli(['-c', config, 'metrics', '--push', `http://127.0.0.1:${port}`]);
      expect(refused.code).toBe(3);
      expect(refused.stderr).toContain(`cannot push to the Pushgateway at http://127.0.0.1:${port}`);
      // --textfile writes the same exposition atomically.
      const file = join(dir, 'launchctl.prom');
      expect((await runCli(['-c', config, 'metrics', '--textfile', file])).code).toBe(0);
      const check = await runPromtool(['check', 'metrics'], await readFile(file, 'utf8'));
      expect(check.code, check.stdout + check.stderr).toBe(0);
    } finally {
      await gateway.stop();
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
