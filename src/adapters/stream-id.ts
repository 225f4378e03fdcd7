// Stream entry IDs (`<ms>-<seq>`, each part an unsigned 64-bit integer) as
// Redis orders them. Pure. Compared as decimal strings (shorter is smaller,
// then by digits), which is exact past 2^53 and needs no BigInt per compare.

export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const ID_RE = /^(\d+)(?:-(\d+))?$/;

/** Parses `<ms>-<seq>` (or `<ms>`, as MINID accepts); throws on anything else. */
export function parseStreamId(id: string): StreamId {
  const m = ID_RE.exec(id);
  if (!m) throw new Error(`not a stream ID: ${id}`);
  return { ms: BigInt(m[1]!), seq: BigInt(m[2] ?? 0) };
}

function splitId(id: string): [string, string] {
  if (!ID_RE.test(id)) throw new Error(`not a stream ID: ${id}`);
  const dash = id.indexOf('-');
  const strip = (part: string) => part.replace(/^0+(?=\d)/, '');
  return dash < 0 ? [strip(id), '0'] : [strip(id.slice(0, dash)), strip(id.slice(dash + 1))];
}

function compareDecimal(a: string, b: string): number {
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when a < b, 0 when equal, positive when a > b (Redis order). */
export function compareStreamIds(a: string, b: string): number {
  const [am, as] = splitId(a);
  const [bm, bs] = splitId(b);
  return compareDecimal(am, bm) || compareDecimal(as, bs);
}

/** The smallest ID after `id`: what a group that delivered `id` reads next. */
export function nextStreamId(id: string): string {
  const { ms, seq } = parseStreamId(id);
  return `${ms}-${seq + 1n}`;
}

/** The first ID at an instant: `MINID <idAtMs(t)>` keeps the entries added at or after t. */
export function streamIdAtMs(ms: number): string {
  return `${Math.max(0, Math.floor(ms))}-0`;
}

/** The smallest of some IDs (nulls ignored), or null when there are none. */
export function minStreamId(ids: Iterable<string | null>): string | null {
  let min: string | null = null;
  for (const id of ids) if (id !== null && (min === null || compareStreamIds(id, min) < 0)) min = id;
  return min;
}
