// Pure parsers for the raw Redis replies ioredis hands back untyped: INFO text,
// and the flat [name, value, name, value...] arrays of XINFO, CONFIG GET and
// stream entries. watch, checklist, trim, consume and rehearse all read them
// through this module, so a quirk of a reply is handled in one place.

/** INFO text → field map. keyspace and errorstats lines keep their raw value (`keys=1,expires=0`). */
export function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

/** `count=3,...` → 3: one number of an INFO value made of `name=N` pairs (errorstats, keyspace lines); null when absent. */
export function infoSubField(raw: string | undefined, name: string): number | null {
  if (raw === undefined) return null;
  const m = new RegExp(`(?:^|,)${name}=(\\d+)`).exec(raw);
  return m ? Number(m[1]) : null;
}

/** A flat [name, value, ...] reply (XINFO, CONFIG GET, stream entry fields) as a record; {} for anything else. */
export function flatToRecord(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

/** A reply value as a number; null for nil (XINFO's `lag` when Redis cannot tell) or anything not numeric. */
export function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** One group of an XINFO GROUPS reply. */
export interface XinfoGroup {
  name: string;
  consumers: number;
  /** Entries delivered and not acked (the PEL). */
  pending: number;
  /** Entries not yet delivered to the group (Redis 7+); null when Redis cannot tell. */
  lag: number | null;
  /** Redis 7+; null before. */
  entriesRead: number | null;
  lastDeliveredId: string;
}

function readXinfoGroup(raw: unknown): XinfoGroup {
  const g = flatToRecord(raw);
  return {
    name: String(g.name),
    consumers: numberOrNull(g.consumers) ?? 0,
    pending: numberOrNull(g.pending) ?? 0,
    lag: numberOrNull(g.lag),
    entriesRead: numberOrNull(g['entries-read']),
    lastDeliveredId: typeof g['last-delivered-id'] === 'string' ? g['last-delivered-id'] : '0-0',
  };
}

/** Every group of an XINFO GROUPS reply ([] for anything that is not one). */
export function parseXinfoGroups(reply: unknown): XinfoGroup[] {
  return Array.isArray(reply) ? reply.map(readXinfoGroup) : [];
}

/** The named group of an XINFO GROUPS reply, or null. */
export function findXinfoGroup(reply: unknown, group: string): XinfoGroup | null {
  return parseXinfoGroups(reply).find((g) => g.name === group) ?? null;
}

/** The fields of an XINFO STREAM reply the verbs read. */
export interface XinfoStream {
  length: number;
  /** Consumer groups on the stream. */
  groups: number;
  /** Entries ever added (Redis 7+): monotonic even when trimmed; null before 7.0. */
  entriesAdded: number | null;
  firstEntryId: string | null;
  lastEntryId: string | null;
  /** The ID of the last entry ever added (trimmed or not): new entries get larger IDs. */
  lastGeneratedId: string | null;
}

function entryId(entry: unknown): string | null {
  return Array.isArray(entry) && typeof entry[0] === 'string' ? entry[0] : null;
}

/** An XINFO STREAM reply; anything else (a missing stream) reads as an empty stream. */
export function parseXinfoStream(reply: unknown): XinfoStream {
  const info = flatToRecord(reply);
  return {
    length: numberOrNull(info.length) ?? 0,
    groups: numberOrNull(info.groups) ?? 0,
    entriesAdded: numberOrNull(info['entries-added']),
    firstEntryId: entryId(info['first-entry']),
    lastEntryId: entryId(info['last-entry']),
    lastGeneratedId: typeof info['last-generated-id'] === 'string' ? info['last-generated-id'] : null,
  };
}
