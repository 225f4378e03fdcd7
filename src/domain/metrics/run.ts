// The `metrics` executor. One exporter holds a `patient` Redis connection (an
// outage is a value, launchctl_up 0, never a failed scrape), the watch
// collector in its `extended` mode (one collector for the dashboard and the
// metrics), the shared Product Hunt panel (cache only; a stale answer is
// refreshed through the shared queue in the background, so a scrape never
// spends the budget), and the probes. Each scrape collects under a deadline
// well inside Prometheus' 10 s default scrape timeout.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpAgent } from '../../adapters/http.js';
import { closeRedis, createRedisClient } from '../../adapters/redis.js';
import type { LaunchConfig } from '../../config/schema.js';
import { UsageError, errorCode } from '../../errors.js';
import { createKeys } from '../../keys.js';
import { maskUrl } from '../../util/mask.js';
import { readVersion } from '../../util/version.js';
import { readLaunchInfo } from '../watch/clock.js';
import { createWatchCollector } from '../watch/collect.js';
import { createPhPanelSource } from '../watch/ph-panel.js';
import { toMetricsSnapshot } from './from-watch.js';
import { probeLaunchPaths } from './probe.js';
import { emptySnapshot, type MetricsSnapshot } from './snapshot.js';

/** A scrape's collection deadline: Prometheus' default scrape timeout is 10 s. */
export const SCRAPE_DEADLINE_MS = 4000;
/** The documented default address (outside 9100–9999, the exporters' range; docs/metrics.md). */
export const DEFAULT_LISTEN = '127.0.0.1:8487';

export interface MetricsExporterOptions {
  config: LaunchConfig;
  env: NodeJS.ProcessEnv;
  /** GET the launch paths at each scrape (launchctl_probe_*). */
  probe?: boolean;
  /** Also export the exporter's own Node.js process metrics. */
  processMetrics?: boolean;
  deadlineMs?: number;
}

export interface Scrape {
  snapshot: MetricsSnapshot;
  /** The text exposition (format 0.0.4). */
  text: string;
  contentType: string;
}

export interface MetricsExporter {
  scrape(): Promise<Scrape>;
  close(): Promise<void>;
}

export async function openMetricsExporter(o: MetricsExporterOptions): Promise<MetricsExporter> {
  const { config } = o;
  // prom-client stays out of every other verb's start-up.
  const { EXPOSITION_CONTENT_TYPE, createProcessMetrics, renderExposition } = await import('./exposition.js');
  const deadlineMs = o.deadlineMs ?? SCRAPE_DEADLINE_MS;
  let lastClientError: unknown;
  // Not connectRedis: an exporter starts (and answers launchctl_up 0) while Redis is down.
  const client = createRedisClient(config.redis, 'patient', (err) => {
    lastClientError = err;
  });
  client.connect().catch(() => undefined);
  // The first scrape should not find the connection still opening: wait for it a little (an outage is reported, not waited out).
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, Math.min(deadlineMs, config.redis.connectTimeoutMs));
    function done() {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    }
    client.once('ready', done);
  });
  const stop = new AbortController();
  const collector = createWatchCollector({
    client,
    config,
    keys: createKeys(config.redis.keyPrefix),
    url: maskUrl(config.redis.url),
    ph: createPhPanelSource({ config, redis: client, env: o.env, signal: stop.signal, awaitRefresh: false }),
    timeoutMs: Math.max(500, deadlineMs - 500),
    lastClientError: () => lastClientError,
    extended: true,
  });
  const agent = o.probe ? createHttpAgent({ connections: Math.max(1, config.warm.paths.length), connectTimeoutMs: deadlineMs }) : undefined;
  const processMetrics = o.processMetrics ? createProcessMetrics() : null;
  const version = readVersion();

  // The collection did not finish in time: launchctl_up 0, the launch phase from the config as the collector reads it.
  const down = (scrapeDurationSeconds: number): MetricsSnapshot => {
    const launch = readLaunchInfo(config.launch.name, config.launch.t0, Date.now());
    return { ...emptySnapshot(version), scrapeDurationSeconds, launch: launch.t0 !== null && launch.phase !== null ? { t0Seconds: launch.t0 / 1000, phase: launch.phase } : null };
  };

  return {
    async scrape() {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), deadlineMs)));
      try {
        const [watch, probes] = await Promise.all([
          Promise.race([collector.collect().catch(() => null), late]),
          agent ? probeLaunchPaths(config, { timeoutMs: deadlineMs - 100, dispatcher: agent, signal: stop.signal }) : Promise.resolve(null),
        ]);
        const elapsed = (performance.now() - started) / 1000;
        const snapshot = watch ? toMetricsSnapshot(watch, { version, config, scrapeDurationSeconds: elapsed, probes }) : { ...down(elapsed), probes };
        let text = await renderExposition(snapshot);
        if (processMetrics) text += await processMetrics.metrics();
        return { snapshot, text, contentType: EXPOSITION_CONTENT_TYPE };
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      stop.abort();
      await agent?.close();
      await closeRedis(client);
    },
  };
}

/** Parses `--listen HOST:PORT` (an IPv6 host in brackets). */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(\[[0-9a-f:.]+\]|[^:\s]+):(\d{1,5})$/i.exec(text.trim());
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`--listen: expected HOST:PORT such as ${DEFAULT_LISTEN}, received "${text}"`);
  }
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function landingPage(config: LaunchConfig): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>launchctl metrics</title></head>
<body>
<h1>launchctl metrics</h1>
<p>Launch <b>${escapeHtml(config.launch.name)}</b>. Prometheus scrapes <a href="/metrics">/metrics</a>.</p>
<p>Families, alert rules and a Grafana dashboard: docs/metrics.md and examples/ in the launchctl package.</p>
</body></html>
`;
}

export interface MetricsServer {
  /** `http://host:port` it listens on. */
  url: string;
  close(): Promise<void>;
}

/** Serves `/metrics` (a scrape per request) and a landing page at `/`. */
export async function serveMetrics(exporter: MetricsExporter, config: LaunchConfig, listen: { host: string; port: number }, onScrapeError?: (err: unknown) => void): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/metrics') {
      exporter.scrape().then(
        (s) => res.writeHead(200, { 'content-type': s.contentType }).end(req.method === 'HEAD' ? undefined : s.text),
        (err: unknown) => {
          onScrapeError?.(err);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('scrape failed: see the exporter log\n');
        },
      );
      return;
    }
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(req.method === 'HEAD' ? undefined : landingPage(config));
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err) => {
      const code = errorCode(err);
      reject(
        new UsageError(`--listen: cannot listen on ${listen.host}:${listen.port} (${code ?? String(err)})`, {
          details: [code === 'EADDRINUSE' ? 'another process holds the port: pick another with --listen 127.0.0.1:PORT' : 'check the address (127.0.0.1, 0.0.0.0 or a local interface)'],
        }),
      );
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
