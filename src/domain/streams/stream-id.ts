// Stream entry IDs (`<ms>-<seq>`) as Redis orders them. Pure.

export interface StreamId {
  ms: bigint;
  seq: bigint;
}

const ID_RE = /^(\d+)(?:-(\d+))?$/;

export function parseStreamId(id: string): StreamId {
  const m = ID_RE.exec(id);
  if (!m) throw new Error(`not a stream ID: ${id}`);
  return { ms: BigInt(m[1]!), seq: BigInt(m[2] ?? 0) };
}

/** Negative when a < b, 0 when equal, positive when a > b (Redis order). */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a);
  const y = parseStreamId(b);
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1;
  return 0;
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

export function minStreamId(ids: readonly (string | null)[]): string | null {
  let min: string | null = null;
  for (const id of ids) if (id !== null && (min === null || compareStreamIds(id, min) < 0)) min = id;
  return min;
}
