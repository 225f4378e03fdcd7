// Stream entry IDs ("<ms>-<seq>") compared as numbers, and the "applied"
// records the state keeps to recognise an entry it has already applied. Pure.

export interface StreamId {
  ms: number;
  seq: number;
}

const ID_RE = /^(\d+)-(\d+)$/;

export function parseStreamId(id: string): StreamId | null {
  const m = ID_RE.exec(id);
  return m ? { ms: Number(m[1]), seq: Number(m[2]) } : null;
}

/** Negative, zero or positive, like a sort comparator. */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a);
  const y = parseStreamId(b);
  if (!x || !y) throw new Error(`not a stream ID: ${x ? b : a}`);
  return x.ms - y.ms || x.seq - y.seq;
}

/** The smallest of some IDs, or null when there are none. */
export function minStreamId(ids: Iterable<string>): string | null {
  let min: string | null = null;
  for (const id of ids) if (min === null || compareStreamIds(id, min) < 0) min = id;
  return min;
}

/**
 * The record of one applied entry kept in the state: its day stream and ID. IDs
 * alone are not unique across day streams (two streams can get the same ID in
 * the same server millisecond around midnight), so the day is part of it.
 */
export function appliedRecord(day: string, id: string): string {
  return `${day}/${id}`;
}

/** The sentinel watermark meaning "prune nothing". */
export const NO_WATERMARK = '0-0';
