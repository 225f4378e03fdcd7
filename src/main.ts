// The entry point: the only place that turns errors into exit codes and the
// only place that touches process signals (STYLE.md habit 5).
import { basename } from 'node:path';
import { CommanderError } from 'commander';
import { buildProgram } from './cli.js';
import { readVersion } from './util/version.js';
import type { CommandContext, GlobalOptions } from './context.js';
import { ConfigError, EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, isLaunchctlError } from './errors.js';
import type { TerminalStream } from './output/terminal.js';

export interface MainIo {
  stdout: TerminalStream;
  stderr: TerminalStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

const FORCE_EXIT_AFTER_MS = 10_000;

export async function main(argv: string[], io: MainIo = { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }): Promise<number> {
  const name = basename(argv[1] ?? 'launchctl').replace(/\.js$/, '') || 'launchctl';
  const controller = new AbortController();
  let exitCode = 0;
  let interrupted = false;
  let json = false;
  const targets: CommandContext['targets'] = {};

  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) {
      io.stderr.write(`\n${name}: second ${signal}, exiting now\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    interrupted = true;
    io.stderr.write(`\n${name}: ${signal === 'SIGINT' ? 'Ctrl-C' : signal}: finishing the work in flight (again to force)\n`);
    controller.abort();
    // Whatever does not honour the signal still ends.
    setTimeout(() => process.exit(EXIT_INTERRUPTED), FORCE_EXIT_AFTER_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const makeContext = async (globals: GlobalOptions): Promise<CommandContext> => {
    const { Output } = await import('./output/output.js');
    json = globals.json;
    return {
      globals,
      env: io.env,
      cwd: io.cwd,
      out: new Output({ json: globals.json, stdout: io.stdout, stderr: io.stderr, env: io.env }),
      signal: controller.signal,
      targets,
    };
  };

  const program = buildProgram(name, readVersion(), {
    makeContext,
    setExitCode: (code) => {
      exitCode = code;
    },
  });
  program.configureOutput({
    writeOut: (s) => io.stdout.write(s),
    writeErr: (s) => io.stderr.write(s),
  });

  try {
    await program.parseAsync(argv);
    if (interrupted) exitCode = EXIT_INTERRUPTED;
  } catch (err) {
    // Redis refusing, falling silent or going away mid-command is the dependency's
    // failure (exit 3) with the reason and a hint, whichever verb it hit.
    // (Loaded here, on the error path only: every start, --help included, stays light.)
    let error = err;
    // (--help and --version arrive here too, as a CommanderError: nothing to map.)
    if (!isLaunchctlError(err) && !(err instanceof CommanderError)) {
      const { redisFailure } = await import('./adapters/redis-errors.js');
      error = redisFailure(err, { url: targets.redisUrl, commandTimeoutMs: targets.redisCommandTimeoutMs }) ?? err;
    }
    // Without a config file every field is a default: what is missing is the file, so say that first.
    if (error instanceof ConfigError && targets.configLookedFor && error.code !== 'REDIS_URL') {
      const { missingConfigDetails } = await import('./config/newcomer.js');
      const { message, hint } = missingConfigDetails(targets.configLookedFor, io.cwd, io.env);
      error = new ConfigError(message, [hint, error.message, ...error.details], { cause: error, code: error.code });
    }
    exitCode = reportError(error, name, io, json);
    if (interrupted) exitCode = EXIT_INTERRUPTED;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return exitCode;
}

function reportError(err: unknown, name: string, io: MainIo, json: boolean): number {
  if (err instanceof CommanderError) {
    // Help and version arrive here too, with exit code 0; commander already printed.
    return err.exitCode === 0 ? 0 : EXIT_USAGE;
  }
  const known = isLaunchctlError(err) ? err : undefined;
  const exitCode = known?.exitCode ?? EXIT_INTERNAL;
  const message = known ? known.message : `internal error: ${err instanceof Error ? err.message : String(err)}`;
  const details = known ? known.details : ['this is a bug in launchctl; please report it with the command you ran'];
  io.stderr.write(`${name}: ${message}\n${details.map((d) => `  ${d}\n`).join('')}`);
  if (json) {
    io.stdout.write(`${JSON.stringify({ version: 1, error: { type: known?.name ?? 'InternalError', message, details, exitCode } })}\n`);
  }
  if (!known && io.env.LAUNCHCTL_DEBUG && err instanceof Error) io.stderr.write(`${err.stack}\n`);
  return exitCode;
}
