// The engagement event (SPEC.md "Data contract") and its stream-entry form.
// Pure: validation and encoding only, no I/O.
import { z } from 'zod';

// Lua's cjson writes numbers with 14 significant digits: larger times would not
// survive a round trip through the state value (13 digits last until 2286).
export const MAX_TS_MS = 99_999_999_999_999;

export const EVENT_TYPES = ['hover', 'scroll', 'cta_click', 'form_submit'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The seed's schema, kept: userId a UUID, a known eventType, an object payload, a number timestamp. */
export const engagementEventSchema = z.object({
  userId: z.uuid({ error: 'expected a UUID' }),
  eventType: z.enum(EVENT_TYPES, { error: `expected one of ${EVENT_TYPES.join(', ')}` }),
  payload: z.record(z.string(), z.unknown(), { error: 'expected a JSON object' }),
  timestamp: z
    .number({ error: 'expected a time in ms (a number)' })
    .nonnegative({ error: 'expected a time in ms (a number)' })
    .max(MAX_TS_MS, { error: 'expected a time in ms (a number)' }),
});
export type EngagementEvent = z.infer<typeof engagementEventSchema>;

export type EventCheck = { ok: true; event: EngagementEvent } | { ok: false; reason: string };

const UUID_SCHEMA_RE = z.regexes.uuid();
const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);

/** An object literal or JSON.parse result (what z.record accepts), not an array, a Date or a Map. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * The same rules as engagementEventSchema for a valid event, in a fraction of
 * zod's time (ingest runs this for every line); null means "ask zod", which
 * also names what is wrong.
 */
function checkValidEventFast(value: unknown): EngagementEvent | null {
  if (!isPlainObject(value)) return null;
  const { userId, eventType, payload, timestamp } = value;
  if (typeof userId !== 'string' || !UUID_SCHEMA_RE.test(userId)) return null;
  if (typeof eventType !== 'string' || !EVENT_TYPE_SET.has(eventType)) return null;
  if (!isPlainObject(payload)) return null;
  if (typeof timestamp !== 'number' || !(timestamp >= 0 && timestamp <= MAX_TS_MS)) return null;
  return { userId, eventType: eventType as EventType, payload, timestamp };
}

/** Validates an event; the reason names the field (`userId: expected a UUID`). */
export function checkEvent(value: unknown): EventCheck {
  const fast = checkValidEventFast(value);
  if (fast) return { ok: true, event: fast };
  const result = engagementEventSchema.safeParse(value);
  if (result.success) return { ok: true, event: result.data };
  return { ok: false, reason: describeIssues(result.error.issues) };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      if (issue.code === 'unrecognized_keys') return `unknown field ${issue.keys.join(', ')}`;
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}

/**
 * The stream entry of an event, as field/value pairs (the seed passed an
 * object to XADD; streams take pairs). `ts` is the client time in whole ms: the
 * rules use it as their clock, so it is rounded once, here.
 */
export function buildEntryFields(event: EngagementEvent): string[] {
  return ['userId', event.userId, 'eventType', event.eventType, 'payload', JSON.stringify(event.payload), 'ts', String(Math.round(event.timestamp))];
}

/** A stream entry that passed validation: what the conversion rules need. */
export interface ValidEntry {
  userId: string;
  eventType: EventType;
  ts: number;
}

export type EntryCheck = { ok: true; entry: ValidEntry } | { ok: false; reason: string };

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const TS_RE = /^\d{1,14}$/;

/**
 * Checks a raw stream entry (fields as XREADGROUP returns them). Entries can be
 * written by anything with access to Redis, so nothing is assumed: a failing
 * entry goes to the dead-letter stream with this reason. Hand-written rather
 * than zod because it runs for every consumed entry.
 */
export function checkEntryFields(fields: readonly string[] | null): EntryCheck {
  if (!fields) return { ok: false, reason: 'entry deleted from the stream before it was processed' };
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(fields[i]!, fields[i + 1]!);
  const userId = map.get('userId');
  const eventType = map.get('eventType');
  const payload = map.get('payload');
  const ts = map.get('ts');
  if (userId === undefined) return { ok: false, reason: 'missing field userId' };
  if (!UUID_RE.test(userId)) return { ok: false, reason: 'userId: expected a UUID' };
  if (eventType === undefined) return { ok: false, reason: 'missing field eventType' };
  if (!(EVENT_TYPES as readonly string[]).includes(eventType)) return { ok: false, reason: `eventType: expected one of ${EVENT_TYPES.join(', ')}` };
  if (ts === undefined) return { ok: false, reason: 'missing field ts' };
  if (!TS_RE.test(ts)) return { ok: false, reason: 'ts: expected a time in whole ms' };
  if (payload === undefined) return { ok: false, reason: 'missing field payload' };
  if (!isJsonObjectText(payload)) return { ok: false, reason: 'payload: expected JSON text of an object' };
  return { ok: true, entry: { userId, eventType: eventType as EventType, ts: Number(ts) } };
}

function isJsonObjectText(text: string): boolean {
  // Cheap pre-check first: JSON.parse of every payload is the costliest step of a batch.
  const first = text.trimStart()[0];
  if (first !== '{') return false;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
