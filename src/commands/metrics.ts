// `launchctl metrics`: the launch in Prometheus (docs/metrics.md). Parses the
// flags and picks the mode; the exporter (domain/metrics/run.ts) collects and
// renders each scrape.
// - default: serve /metrics on --listen (127.0.0.1:8487) until Ctrl-C;
// - --once: one exposition on stdout (--json: the snapshot as JSON);
// - --textfile FILE: write it atomically for node_exporter, once or every --interval;
// - --push URL: send it to a Pushgateway, once or every --interval.
// The one-shot modes exit 3 when Redis did not answer (after writing launchctl_up 0).
import { rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pushExposition } from '../adapters/pushgateway.js';
import { loadContextConfig, type CommandContext } from '../context.js';
import { EXIT_UNREACHABLE, UsageError, errorCode } from '../errors.js';
import { DEFAULT_LISTEN, openMetricsExporter, parseListen, serveMetrics, type MetricsExporter, type Scrape } from '../domain/metrics/run.js';
import { formatDuration, parseDuration } from '../util/duration.js';
import { sleep } from '../util/sleep.js';

export interface MetricsCommandOptions {
  listen?: string;
  once?: boolean;
  textfile?: string;
  interval?: string;
  push?: string;
  probe?: boolean;
  processMetrics?: boolean;
}

/** Faster than this, a textfile or a push loop is a load of its own. */
const MIN_INTERVAL_MS = 1000;

export async function metricsCommand(ctx: CommandContext, options: MetricsCommandOptions): Promise<number> {
  const oneShot = options.once === true || options.textfile !== undefined || options.push !== undefined;
  if (options.listen !== undefined && oneShot) throw new UsageError('--listen serves /metrics; it does not go with --once, --textfile or --push');
  if (options.interval !== undefined && options.textfile === undefined && options.push === undefined) throw new UsageError('--interval works with --textfile or --push');
  if (options.interval !== undefined && options.once) throw new UsageError('--interval and --once do not go together');
  const intervalMs = options.interval === undefined ? undefined : parseDuration(options.interval, '--interval');
  if (intervalMs !== undefined && intervalMs < MIN_INTERVAL_MS) throw new UsageError(`--interval: expected at least 1s, received "${options.interval}"`);
  const listen = parseListen(options.listen ?? DEFAULT_LISTEN);
  if (options.push !== undefined && !/^https?:\/\/[^/]/i.test(options.push)) throw new UsageError(`--push: expected the Pushgateway's http:// or https:// URL, received "${options.push}"`);
  const textfile = options.textfile === undefined ? undefined : resolve(ctx.cwd, options.textfile);
  const { config } = await loadContextConfig(ctx);

  const exporter = await openMetricsExporter({ config, env: ctx.env, probe: options.probe === true, processMetrics: options.processMetrics === true });
  try {
    if (!oneShot) return await serve(ctx, exporter, config, listen);
    let up = true;
    for (;;) {
      const scrape = await exporter.scrape();
      up = scrape.snapshot.up;
      await deliver(ctx, scrape, { once: options.once === true, textfile, push: options.push, launch: config.launch.name });
      if (intervalMs === undefined || ctx.signal.aborted) break;
      await sleep(intervalMs, ctx.signal);
      if (ctx.signal.aborted) break;
    }
    if (!up) ctx.out.warn(`Redis did not answer: the exposition says launchctl_up 0`);
    return up ? 0 : EXIT_UNREACHABLE;
  } finally {
    await exporter.close();
  }
}

async function deliver(ctx: CommandContext, scrape: Scrape, to: { once: boolean; textfile?: string; push?: string; launch: string }): Promise<void> {
  if (to.once) {
    if (ctx.out.json) ctx.out.printJson({ snapshot: scrape.snapshot });
    else ctx.out.stdout.write(scrape.text);
  }
  if (to.textfile) await writeAtomically(to.textfile, scrape.text);
  if (to.push) await pushExposition({ url: to.push, job: 'launchctl', grouping: { launch: to.launch } }, scrape.text, scrape.contentType, ctx.signal);
  if (!to.once) ctx.out.info(`metrics: ${scrape.snapshot.up ? 'up' : 'Redis down (launchctl_up 0)'}${to.textfile ? ` · wrote ${to.textfile}` : ''}${to.push ? ' · pushed' : ''}`);
}

/** Temp file + rename in the same folder: node_exporter never reads half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await writeFile(temp, text);
    await rename(temp, path);
  } catch (err) {
    throw new UsageError(`--textfile: cannot write ${path} (${errorCode(err) ?? String(err)})`);
  }
}

async function serve(ctx: CommandContext, exporter: MetricsExporter, config: Parameters<typeof serveMetrics>[1], listen: { host: string; port: number }): Promise<number> {
  const server = await serveMetrics(exporter, config, listen, (err) => ctx.out.warn(`scrape failed: ${err instanceof Error ? err.message : String(err)}`));
  const started = Date.now();
  if (ctx.out.json) ctx.out.printJson({ listening: server.url, metrics: `${server.url}/metrics` });
  else ctx.out.info(`metrics: serving ${server.url}/metrics${ctx.out.decorate ? ' (Ctrl-C to stop)' : ''}`);
  if (listen.host !== '127.0.0.1' && listen.host !== 'localhost' && listen.host !== '::1') {
    ctx.out.warn(`listening on ${listen.host}: anyone who reaches this port reads the launch's paths and stream names; keep it behind a firewall`);
  }
  await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve(), { once: true })));
  await server.close();
  ctx.out.info(`metrics: stopped after ${formatDuration(Date.now() - started)}`);
  return 0;
}
