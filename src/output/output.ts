// The one output layer: results on stdout (a table/plain text, or exactly one
// JSON document with --json), people-facing progress and warnings on stderr.
import { CLEAR_LINE, canDecorate, makePaint, type Paint, type TerminalStream } from './terminal.js';

export const JSON_VERSION = 1;

export interface OutputOptions {
  json: boolean;
  stdout: TerminalStream;
  stderr: TerminalStream;
  env: NodeJS.ProcessEnv;
}

export interface Spinner {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
  stop(): void;
}

export interface Progress {
  /** Advance by n (default 1). */
  tick(n?: number, note?: string): void;
  /** Remove the bar (TTY) or print the final line (plain). */
  done(note?: string): void;
}

const PLAIN_PROGRESS_EVERY_MS = 2000;
const TTY_PROGRESS_EVERY_MS = 80;

export class Output {
  readonly json: boolean;
  /** Spinners, redraws, colours on stderr. */
  readonly decorate: boolean;
  /** Colours and box tables on stdout. */
  readonly decorateStdout: boolean;
  readonly paint: Paint;
  readonly stdout: TerminalStream;
  readonly stderr: TerminalStream;
  readonly env: NodeJS.ProcessEnv;

  constructor(options: OutputOptions) {
    this.json = options.json;
    this.stdout = options.stdout;
    this.stderr = options.stderr;
    this.env = options.env;
    this.decorate = canDecorate(options.stderr, options.env);
    this.decorateStdout = !options.json && canDecorate(options.stdout, options.env);
    this.paint = makePaint(this.decorateStdout);
  }

  /** Human result text on stdout; suppressed under --json. */
  result(text: string): void {
    if (this.json) return;
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** The one JSON document (or, for streaming verbs, one NDJSON line). */
  printJson(doc: object): void {
    this.stdout.write(`${JSON.stringify({ version: JSON_VERSION, ...doc })}\n`);
  }

  /** A note for people, on stderr. */
  info(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  warn(text: string): void {
    const paint = makePaint(this.decorate);
    this.stderr.write(`${paint('yellow', 'warning:')} ${text}\n`);
  }

  /** ora on a decorated terminal; otherwise one plain line at start and at the end. */
  async spinner(text: string): Promise<Spinner> {
    if (!this.decorate) {
      this.info(`${text}...`);
      return {
        update: () => undefined,
        succeed: (t) => t && this.info(t),
        fail: (t) => t && this.info(t),
        stop: () => undefined,
      };
    }
    const { default: ora } = await import('ora');
    const s = ora({ text, stream: this.stderr as NodeJS.WriteStream }).start();
    return {
      update: (t) => {
        s.text = t;
      },
      succeed: (t) => void s.succeed(t),
      fail: (t) => void s.fail(t),
      stop: () => void s.stop(),
    };
  }

  /**
   * A progress bar on stderr. On a TTY it redraws in place; elsewhere it prints a
   * plain line at most every 2 s, so CI logs show the job is alive.
   */
  progress(label: string, total: number): Progress {
    let count = 0;
    let lastDraw = 0;
    let lastNote = '';
    const started = Date.now();
    const draw = (final: boolean) => {
      const now = Date.now();
      if (this.decorate) {
        if (!final && now - lastDraw < TTY_PROGRESS_EVERY_MS) return;
        const width = Math.max(10, Math.min(40, (this.stderr.columns ?? 80) - label.length - 40));
        const ratio = total > 0 ? Math.min(1, count / total) : 1;
        const filled = Math.round(ratio * width);
        const rate = count / Math.max(0.001, (now - started) / 1000);
        const line = `${label} [${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${count}/${total} ${Math.round(rate)}/s ${lastNote}`;
        this.stderr.write(`\r${CLEAR_LINE}${line.slice(0, (this.stderr.columns ?? 120) - 1)}`);
      } else {
        if (!final && now - lastDraw < PLAIN_PROGRESS_EVERY_MS) return;
        if (final && lastDraw === 0) return;
        this.stderr.write(`${label}: ${count}/${total}${lastNote ? ` ${lastNote}` : ''}\n`);
      }
      lastDraw = now;
    };
    if (!this.decorate) lastDraw = Date.now();
    return {
      tick: (n = 1, note) => {
        count += n;
        if (note !== undefined) lastNote = note;
        draw(false);
      },
      done: (note) => {
        if (note !== undefined) lastNote = note;
        if (this.decorate) this.stderr.write(`\r${CLEAR_LINE}`);
        else draw(true);
      },
    };
  }
}
