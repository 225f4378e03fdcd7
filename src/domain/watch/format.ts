// Lines of the dashboard fitted to a width without breaking ANSI colour codes.
// The number formatters are shared with other verbs: src/output/format.ts.

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
