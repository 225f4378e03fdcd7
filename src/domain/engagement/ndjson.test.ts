import { describe, expect, it } from 'vitest';
import { LineSplitter, parseProgress, type SplitLine } from './ndjson.js';

/** Feeds `pieces` to a splitter and returns each line as text (null when over the bound) with its length. */
function split(maxBytes: number, pieces: string[]): [string | null, number][] {
  const splitter = new LineSplitter(maxBytes);
  const out: SplitLine[] = [];
  for (const p of pieces) splitter.push(Buffer.from(p), out);
  splitter.end(out);
  return out.map((l) => [l.bytes === null ? null : l.bytes.toString(), l.length]);
}

describe('LineSplitter', () => {
  it('splits on LF, drops a CR before it, and keeps lines that span pieces', () => {
    expect(split(100, ['ab\ncd', 'e\r\n\nf', 'g'])).toEqual([
      ['ab', 2],
      ['cde', 3],
      ['', 0],
      ['fg', 2],
    ]);
  });

  it('hands out a line over the bound as null with its full length, and goes on', () => {
    expect(split(4, ['1234\n12345\n', '123', '456789\r\nok\n'])).toEqual([
      ['1234', 4],
      [null, 5],
      [null, 9],
      ['ok', 2],
    ]);
    // A CR before the LF does not count: "1234\r" is 4 bytes.
    expect(split(4, ['1234\r\n'])).toEqual([['1234', 4]]);
  });

  it('emits nothing for an input that ends with its newline', () => {
    expect(split(10, ['a\n'])).toEqual([['a', 1]]);
    expect(split(10, [])).toEqual([]);
  });
});

describe('parseProgress', () => {
  it('reads "<runId> <lastLine>" and nothing else', () => {
    expect(parseProgress('ab12 4000')).toEqual({ runId: 'ab12', lastLine: 4000 });
    expect(parseProgress(null)).toBeNull();
    expect(parseProgress('ab12')).toBeNull();
    expect(parseProgress('ab12 -1')).toBeNull();
  });
});
