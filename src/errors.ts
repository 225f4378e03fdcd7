// The few error types of launchctl. Each carries the exit code the entry point
// (src/main.ts, the only place that exits) turns it into. See SPEC.md,
// "Command-line contract".

export const EXIT_OK = 0;
export const EXIT_CHECK_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;
export const EXIT_INTERRUPTED = 130;
/** A bug in launchctl (EX_SOFTWARE in sysexits.h). */
export const EXIT_INTERNAL = 70;

export abstract class LaunchctlError extends Error {
  abstract readonly exitCode: number;
  /** Extra lines printed under the message (hints, field errors). */
  readonly details: string[];
  constructor(message: string, options: { cause?: unknown; details?: string[] } = {}) {
    super(message, { cause: options.cause });
    this.details = options.details ?? [];
  }
}

/** Bad flags or bad input given by the user (exit 2). */
export class UsageError extends LaunchctlError {
  override name = 'UsageError';
  readonly exitCode = EXIT_USAGE;
}

/** The config file (or an override) is invalid; `issues` name the field paths (exit 2). */
export class ConfigError extends LaunchctlError {
  override name = 'ConfigError';
  readonly exitCode = EXIT_USAGE;
  /** A stable code for callers that must tell config errors apart (e.g. PH_POST_NOT_FOUND). */
  readonly code?: string;
  constructor(
    message: string,
    readonly issues: string[] = [],
    options: { cause?: unknown; code?: string } = {},
  ) {
    super(message, { cause: options.cause, details: issues });
    this.code = options.code;
  }
}

/** A dependency (Redis, the site, the Product Hunt API) could not be reached (exit 3). */
export class UnreachableError extends LaunchctlError {
  override name = 'UnreachableError';
  readonly exitCode = EXIT_UNREACHABLE;
  constructor(
    message: string,
    readonly code?: string,
    options: { cause?: unknown; details?: string[] } = {},
  ) {
    super(message, options);
  }
}

/** Ctrl-C (exit 130). */
export class InterruptedError extends LaunchctlError {
  override name = 'InterruptedError';
  readonly exitCode = EXIT_INTERRUPTED;
  constructor(message = 'interrupted') {
    super(message);
  }
}

/** A bug in launchctl: say so and ask for a report. */
export class InternalError extends LaunchctlError {
  override name = 'InternalError';
  readonly exitCode = EXIT_INTERNAL;
}

export function isLaunchctlError(err: unknown): err is LaunchctlError {
  return err instanceof LaunchctlError;
}

/** The `code` of a Node/ioredis/undici error (ECONNREFUSED, UND_ERR_CONNECT_TIMEOUT...), if any. */
export function errorCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; cur && depth < 5; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    // AggregateError (happy eyeballs: ::1 and 127.0.0.1 both refused) keeps codes in `errors`.
    const inner = (cur as { errors?: unknown[] }).errors;
    if (Array.isArray(inner) && inner.length > 0) {
      const c = errorCode(inner[0]);
      if (c) return c;
    }
    // ioredis' ClusterAllFailedError ("Failed to refresh slots cache.") keeps the node's error apart.
    cur = (cur as { cause?: unknown }).cause ?? (cur as { lastNodeError?: unknown }).lastNodeError;
  }
  return undefined;
}
