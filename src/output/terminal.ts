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

// Full-screen control sequences (xterm; tmux, iTerm2, Windows Terminal, GNOME all accept them).
export const ALT_SCREEN_ON = '\x1b[?1049h';
export const ALT_SCREEN_OFF = '\x1b[?1049l';
export const CURSOR_HIDE = '\x1b[?25l';
export const CURSOR_SHOW = '\x1b[?25h';
export const CURSOR_HOME = '\x1b[H';
export const CLEAR_SCREEN = '\x1b[2J';
export const CLEAR_BELOW = '\x1b[J';
/** Synchronized output: the terminal paints the frame at once (no flicker); ignored where unsupported. */
export const SYNC_BEGIN = '\x1b[?2026h';
export const SYNC_END = '\x1b[?2026l';

/** Erases the line the cursor is on (with \r: a progress line redrawn in place). */
export const CLEAR_LINE = '\x1b[2K';

// Lines of a full-screen view fitted to a width without breaking ANSI colour codes.
// eslint-disable-next-line no-control-regex
const ANSI_AT_START = /^\x1b\[[0-9;?]*[A-Za-z]/;

/**
 * Cuts or pads `text` to exactly `width` visible cells. ANSI colour codes do
 * not count and are never cut in half; a cut line ends with a reset so colour
 * does not leak into the next cell.
 */
export function fitLine(text: string, width: number): string {
  let out = '';
  let visible = 0;
  let i = 0;
  let cut = false;
  while (i < text.length) {
    const esc = text[i] === '\x1b' ? ANSI_AT_START.exec(text.slice(i)) : null;
    if (esc) {
      out += esc[0];
      i += esc[0].length;
      continue;
    }
    if (visible >= width) {
      cut = true;
      break;
    }
    const ch = String.fromCodePoint(text.codePointAt(i)!);
    out += ch;
    i += ch.length;
    visible++;
  }
  if (cut && out.includes('\x1b[')) out += '\x1b[0m';
  return out + ' '.repeat(Math.max(0, width - visible));
}

/** `left` and `right` on one line of `width` cells, right-aligned when there is room. */
export function spread(left: string, right: string, width: number, visibleLength: (s: string) => number): string {
  const gap = width - visibleLength(left) - visibleLength(right);
  return gap >= 1 ? `${left}${' '.repeat(gap)}${right}` : fitLine(left, width);
}
