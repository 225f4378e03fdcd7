// What the terminal allows: decoration (spinners, colours, redraws) only when
// the stream is a TTY and neither CI nor NO_COLOR is set (SPEC.md).

export interface TerminalStream {
  write(chunk: string): boolean;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== '0' && ci.toLowerCase() !== 'false';
}

export function canDecorate(stream: TerminalStream, env: NodeJS.ProcessEnv): boolean {
  // A pty with no size (columns 0, e.g. `script` without a window) makes ora
  // loop forever inside one tick: treat it as undecorated.
  const sized = stream.columns === undefined || stream.columns > 0;
  return stream.isTTY === true && sized && !isCi(env) && env.NO_COLOR === undefined && env.TERM !== 'dumb';
}

const CODES = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Colour = keyof typeof CODES;

export type Paint = (colour: Colour, text: string) => string;

export function makePaint(enabled: boolean): Paint {
  if (!enabled) return (_c, text) => text;
  return (colour, text) => `\x1b[${CODES[colour]}m${text}\x1b[${colour === 'bold' || colour === 'dim' ? 22 : 39}m`;
}

/** Visible width of a string that may hold ANSI colour codes. */
export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}
