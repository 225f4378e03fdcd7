import { describe, expect, it } from 'vitest';
import { buildEntryFields, checkEntryFields, checkEvent, engagementEventSchema } from './event.js';
import { parseEventLine } from './ndjson.js';

const USER = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

describe('engagement events', () => {
  it('accepts the seed schema and names the failing field', () => {
    expect(checkEvent({ userId: USER, eventType: 'hover', payload: { path: '/' }, timestamp: 1 }).ok).toBe(true);
    expect(checkEvent({ userId: 'nope', eventType: 'hover', payload: {}, timestamp: 1 })).toEqual({ ok: false, reason: 'userId: expected a UUID' });
    expect(checkEvent({ userId: USER, eventType: 'click', payload: {}, timestamp: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/^eventType: expected one of hover/) as unknown });
    expect(checkEvent({ userId: USER, eventType: 'hover', payload: [], timestamp: 1 })).toMatchObject({ ok: false, reason: expect.stringMatching(/^payload/) as unknown });
    expect(checkEvent({ userId: USER, eventType: 'hover', payload: {}, timestamp: 'now' })).toMatchObject({ ok: false, reason: expect.stringMatching(/^timestamp/) as unknown });
  });

  it('the fast check agrees with the zod schema, case by case', () => {
    const cases: unknown[] = [
      { userId: USER, eventType: 'hover', payload: { path: '/' }, timestamp: 1 },
      { userId: USER.toUpperCase(), eventType: 'form_submit', payload: {}, timestamp: 0, extra: true },
      { userId: '00000000-0000-0000-0000-000000000000', eventType: 'scroll', payload: {}, timestamp: 99_999_999_999_999 },
      { userId: USER, eventType: 'hover', payload: {}, timestamp: 100_000_000_000_000 },
      { userId: USER, eventType: 'hover', payload: {}, timestamp: -1 },
      { userId: USER, eventType: 'hover', payload: {}, timestamp: Number.NaN },
      { userId: USER, eventType: 'hover', payload: null, timestamp: 1 },
      { userId: USER, eventType: 'hover', payload: new Date(0), timestamp: 1 },
      { userId: USER, eventType: 'hover', payload: Object.create(null) as object, timestamp: 1 },
      { userId: USER.replace('4f60', '9f60'), eventType: 'hover', payload: {}, timestamp: 1 },
      { userId: USER, eventType: 'toString', payload: {}, timestamp: 1 },
      { userId: USER, eventType: 'hover', payload: {} },
      [USER],
      'event',
      null,
    ];
    for (const value of cases) expect(checkEvent(value).ok, JSON.stringify(value)).toBe(engagementEventSchema.safeParse(value).success);
  });

  it('parses NDJSON lines with a reason for each reject', () => {
    expect(parseEventLine('{oops')).toMatchObject({ ok: false, reason: expect.stringMatching(/^not JSON/) as unknown });
    expect(parseEventLine('[1]')).toEqual({ ok: false, reason: 'expected a JSON object' });
    expect(parseEventLine(JSON.stringify({ userId: USER, eventType: 'scroll', payload: {}, timestamp: 5 })).ok).toBe(true);
  });

  it('writes field/value pairs and reads them back (ts in whole ms)', () => {
    const fields = buildEntryFields({ userId: USER, eventType: 'cta_click', payload: { path: '/pricing' }, timestamp: 1234.6 });
    expect(fields).toEqual(['userId', USER, 'eventType', 'cta_click', 'payload', '{"path":"/pricing"}', 'ts', '1235']);
    expect(checkEntryFields(fields)).toEqual({ ok: true, entry: { userId: USER, eventType: 'cta_click', ts: 1235 } });
  });

  it.each([
    [null, 'entry deleted from the stream before it was processed'],
    [['eventType', 'hover'], 'missing field userId'],
    [['userId', 'x', 'eventType', 'hover', 'payload', '{}', 'ts', '1'], 'userId: expected a UUID'],
    [['userId', USER, 'eventType', 'tap', 'payload', '{}', 'ts', '1'], 'eventType: expected one of hover, scroll, cta_click, form_submit'],
    [['userId', USER, 'eventType', 'hover', 'payload', '{}', 'ts', '1.5'], 'ts: expected a time in whole ms'],
    [['userId', USER, 'eventType', 'hover', 'payload', 'null', 'ts', '1'], 'payload: expected JSON text of an object'],
    [['userId', USER, 'eventType', 'hover', 'payload', '{bad', 'ts', '1'], 'payload: expected JSON text of an object'],
    [['userId', USER, 'eventType', 'hover', 'ts', '1'], 'missing field payload'],
  ])('rejects the stream entry %j: %s', (fields, reason) => {
    expect(checkEntryFields(fields)).toEqual({ ok: false, reason });
  });

});
