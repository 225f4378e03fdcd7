// The one registry of verbs (STYLE.md habit 1). Each action loads its command
// module only when invoked, so `--help` and `--version` load no Redis, HTTP or
// rendering code.
import { Command, Option } from 'commander';
import type { CommandContext, GlobalOptions } from './context.js';

export type MakeContext = (globals: GlobalOptions) => Promise<CommandContext>;
// Handlers declare their own option types; commander hands over untyped values.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Handler = (ctx: CommandContext, ...args: any[]) => Promise<number | void>;

export interface ProgramHooks {
  makeContext: MakeContext;
  /** Receives the exit code the handler asked for (0 when it returned nothing). */
  setExitCode(code: number): void;
}

export function buildProgram(name: string, version: string, hooks: ProgramHooks): Command {
  const program = new Command(name)
    .description('Launch-day operations for Redis-backed web apps: warm-up, engagement streams, conversion state, Product Hunt, dashboard, checklists.')
    .version(version, '-V, --version')
    .option('-c, --config <file>', 'config file (default: ./launch.config.json, or LAUNCHCTL_CONFIG)')
    .option('--redis <url>', 'Redis URL, overrides REDIS_URL and the config file')
    .option('--json', 'print one JSON document on stdout and nothing else', false)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  /** Wires an action that lazily imports `load()` and calls its handler. */
  const lazy =
    (load: () => Promise<Handler>) =>
    async (...args: unknown[]) => {
      const globals = program.opts<GlobalOptions>();
      const handler = await load();
      const code = await handler(await hooks.makeContext(globals), ...args.slice(0, -1));
      hooks.setExitCode(code ?? 0);
    };

  const config = program.command('config').description('validate the config file or print its JSON Schema');
  config
    .command('check')
    .description('validate the config and print it resolved, with secrets masked')
    .action(lazy(async () => (await import('./commands/config.js')).configCheckCommand));
  config
    .command('schema')
    .description('print the JSON Schema of launch.config.json (for editor completion)')
    .action(lazy(async () => (await import('./commands/config.js')).configSchemaCommand));

  program
    .command('warm')
    .description('pre-warm the launch paths: GET each through the CDN, then set Redis warm markers (SET NX EX, jittered TTL)')
    .option('--sitemap <url>', 'also warm the same-origin URLs of this sitemap URL or file (or sitemap index, gzipped or not)')
    .option('--paths-file <file>', 'also warm the paths in this file, one per line')
    .option('--exclude <pattern>', 'skip paths matching this glob (* and **), repeatable', collect, [])
    .option('--limit <n>', 'warm at most n paths')
    .option('--concurrency <n>', 'requests in flight at once (default: warm.concurrency, 16)')
    .option('--predictive', 'stretch TTLs by each path’s engagement velocity', false)
    .option('--dry-run', 'print the plan (path, TTL, factor) and touch nothing', false)
    .option('--repeat-after <duration>', 're-warm every duration (e.g. 10m) until Ctrl-C')
    .action(lazy(async () => (await import('./commands/warm.js')).warmCommand));

  program
    .command('ingest')
    .description('ingest NDJSON engagement events from a file or stdin into the day streams')
    .argument('[file]', 'NDJSON file, or - for stdin', '-')
    .option('--from-line <n>', 'resume a stopped run: skip the lines before n (and those the stopped run already wrote)')
    .option('--reconnect-window <duration>', 'how long a lost connection is retried before exit 3 (default 5s; 30s on a cluster, to ride out a failover)')
    .action(lazy(async () => (await import('./commands/ingest.js')).ingestCommand));

  program
    .command('consume')
    .description('run a consumer-group worker that turns events into conversion state')
    .option('--once', 'process everything available, then exit with a summary', false)
    .option('--consumer <name>', 'consumer name (default: <host>-<pid>)')
    .option('--batch <n>', 'entries per XREADGROUP', '500')
    .option('--block <duration>', 'how long one XREADGROUP waits for new entries', '2s')
    .option('--max-deliveries <n>', 'dead-letter an entry delivered more than n times', '5')
    .option('--reclaim-idle <duration>', 'reclaim pending entries idle longer than this (XAUTOCLAIM)', '30s')
    .option('--forget-idle <duration>', 'remove group consumers idle longer than this that own no pending entries', '1h')
    .action(lazy(async () => (await import('./commands/consume.js')).consumeCommand));

  program
    .command('trim')
    .description('keep the engagement streams bounded (MAXLEN ~ or by age) and delete expired day streams')
    .option('--maxlen <n>', 'trim each stream to about n entries (default: streams.maxLen)')
    .option('--older-than <duration>', 'drop entries older than this (e.g. 7d) instead of MAXLEN')
    .option('--force', 'also drop entries a consumer group has not acked', false)
    .option('--dry-run', 'show the plan and change nothing', false)
    .action(lazy(async () => (await import('./commands/trim.js')).trimCommand));

  program
    .command('state')
    .description('inspect conversion state: one user, or a summary of all users')
    .argument('[userId]', 'the user to show')
    .option('--summary', 'users per variant and the confidence histogram, from the counters', false)
    .option('--deep', 'with --summary: recompute from every state key and find corrupt values', false)
    .option('--repair', 'with --deep: reset corrupt values and rewrite the counters (needs --yes)', false)
    .option('--yes', 'carry out --repair without asking', false)
    .action(lazy(async () => (await import('./commands/state.js')).stateCommand));

  const ph = program
    .command('ph')
    .description('Product Hunt: votes, rank, history and leaderboard through a shared, rate-limit-aware cache');
  const fresh = () => new Option('--fresh', 'skip the cache (still respecting the rate-limit budget)').default(false);
  const wait = () => new Option('--wait <duration>', 'longest wait for a spent rate-limit budget to reset before failing (default 15s)');
  ph.command('status', { isDefault: true })
    .description('votes, comments, approximate rank, velocity and the rate-limit budget')
    .addOption(fresh())
    .addOption(wait())
    .action(lazy(async () => (await import('./commands/ph.js')).phStatusCommand));
  ph.command('history')
    .description('the recorded votes series of the post')
    .option('--since <duration>', 'how far back (e.g. 2h, 7d)', '24h')
    .action(lazy(async () => (await import('./commands/ph.js')).phHistoryCommand));
  ph.command('leaderboard')
    .description('today’s posts by votes, with ours marked')
    .addOption(fresh())
    .addOption(wait())
    .action(lazy(async () => (await import('./commands/ph.js')).phLeaderboardCommand));

  program
    .command('watch')
    .description('live launch-day dashboard')
    .option('--interval <duration>', 'refresh interval', '2s')
    .option('--once', 'one snapshot, then exit', false)
    .action(lazy(async () => (await import('./commands/watch.js')).watchCommand));

  program
    .command('metrics')
    .description('export the launch to Prometheus: serve /metrics, print it once, write a textfile or push it')
    .option('--listen <host:port>', 'where to serve /metrics (default 127.0.0.1:8487)')
    .option('--once', 'print one exposition on stdout and exit', false)
    .option('--textfile <file>', "write the exposition atomically for node_exporter's textfile collector")
    .option('--interval <duration>', 'with --textfile or --push: again every duration until Ctrl-C (e.g. 15s)')
    .option('--push <url>', 'send the exposition to this Pushgateway (job launchctl, grouped by launch name)')
    .option('--probe', 'GET every launch path at each scrape (launchctl_probe_*)', false)
    .option('--process-metrics', "also export the exporter's own Node.js process metrics", false)
    .action(lazy(async () => (await import('./commands/metrics.js')).metricsCommand));

  program
    .command('checklist')
    .description('run the T-7 / T-1 / T-0 / T+1 launch checks (exit 1 when a check fails)')
    .argument('[phase]', 't-7, t-1, t0 or t+1 (default: from launch.t0 and the clock)')
    .option('--list', 'list every check with its phase and what it guards against', false)
    .option('--only <ids>', 'run only these checks (comma-separated ids)')
    .option('--skip <ids>', 'skip these checks (comma-separated ids)')
    .option('--strict', 'warnings fail too', false)
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--report <file>', 'where launch.report writes the launch report (T+1)')
    .option('--push <url>', 'also send the result to this Pushgateway (job launchctl, grouped by launch name)')
    .action(lazy(async () => (await import('./commands/checklist.js')).checklistCommand));

  program
    .command('rehearse')
    .description('a full launch rehearsal on this machine: throwaway Redis, stand-in site and Product Hunt, simulated traffic')
    .option('--duration <duration>', 'how long the simulated traffic runs', '10s')
    .option('--users <n>', 'simulated users', '2000')
    .option('--keep', 'keep the temporary folder and print its path', false)
    .option('--cluster', 'rehearse on a throwaway three-master Redis Cluster', false)
    .action(lazy(async () => (await import('./commands/rehearse.js')).rehearseCommand));

  return program;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
