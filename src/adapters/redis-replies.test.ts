import { describe, expect, it } from 'vitest';
import { findXinfoGroup, flatToRecord, infoSubField, numberOrNull, parseInfo, parseXinfoGroups, parseXinfoStream } from './redis-replies.js';

describe('parseInfo', () => {
  it('reads fields across sections, skipping headers and blank lines', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Keyspace\r\ndb0:keys=10,expires=2\r\n');
    expect([...info]).toEqual([
      ['redis_version', '7.0.15'],
      ['db0', 'keys=10,expires=2'],
    ]);
  });
  it('keeps colons inside values', () => {
    expect(parseInfo('executable:/usr/bin/redis-server\nconfig_file:C:\\redis.conf\n').get('config_file')).toBe('C:\\redis.conf');
  });
});

it('infoSubField reads one name=N pair', () => {
  expect(infoSubField('keys=10,expires=2,avg_ttl=0', 'keys')).toBe(10);
  expect(infoSubField('keys=10,expires=2,avg_ttl=0', 'expires')).toBe(2);
  expect(infoSubField('count=3', 'count')).toBe(3);
  expect(infoSubField('subexpires=4', 'expires')).toBeNull();
  expect(infoSubField(undefined, 'count')).toBeNull();
});

describe('flatToRecord', () => {
  it('pairs names and values', () => {
    expect(flatToRecord(['name', 'g', 'pending', 3, 'lag', null])).toEqual({ name: 'g', pending: 3, lag: null });
  });
  it('drops a trailing name without a value; {} for anything but an array', () => {
    expect(flatToRecord(['a', 1, 'b'])).toEqual({ a: 1 });
    expect(flatToRecord(null)).toEqual({});
    expect(flatToRecord('OK')).toEqual({});
  });
});

it('numberOrNull', () => {
  expect(numberOrNull(5)).toBe(5);
  expect(numberOrNull('7')).toBe(7);
  expect(numberOrNull(null)).toBeNull();
  expect(numberOrNull(undefined)).toBeNull();
  expect(numberOrNull('nope')).toBeNull();
});

describe('XINFO GROUPS', () => {
  const reply = [
    ['name', 'other', 'consumers', 1, 'pending', 0, 'last-delivered-id', '0-0', 'entries-read', null, 'lag', 5],
    ['name', 'conversion', 'consumers', 2, 'pending', 3, 'last-delivered-id', '5-0', 'entries-read', 7, 'lag', null],
  ];

  it('finds the group in an XINFO GROUPS reply', () => {
    expect(findXinfoGroup(reply, 'conversion')).toEqual({ name: 'conversion', consumers: 2, pending: 3, lag: null, entriesRead: 7, lastDeliveredId: '5-0' });
    expect(findXinfoGroup(reply, 'missing')).toBeNull();
    expect(findXinfoGroup(null, 'conversion')).toBeNull();
  });

  it('reads every group; a Redis 6 reply (no lag, no entries-read) gives nulls', () => {
    expect(parseXinfoGroups(reply).map((g) => [g.name, g.lag])).toEqual([
      ['other', 5],
      ['conversion', null],
    ]);
    expect(parseXinfoGroups([['name', 'old', 'consumers', 0, 'pending', 0, 'last-delivered-id', '1-0']])).toEqual([
      { name: 'old', consumers: 0, pending: 0, lag: null, entriesRead: null, lastDeliveredId: '1-0' },
    ]);
    expect(parseXinfoGroups(null)).toEqual([]);
  });
});

describe('XINFO STREAM', () => {
  it('reads length, groups, entries-added, the first and last entry ids and the last generated id', () => {
    const reply = [
      'length', 2, 'radix-tree-keys', 1, 'radix-tree-nodes', 2, 'last-generated-id', '9-0', 'max-deleted-entry-id', '0-0',
      'entries-added', 5, 'recorded-first-entry-id', '8-0', 'groups', 1,
      'first-entry', ['8-0', ['userId', 'u']], 'last-entry', ['9-0', ['userId', 'v']],
    ];
    expect(parseXinfoStream(reply)).toEqual({ length: 2, groups: 1, entriesAdded: 5, firstEntryId: '8-0', lastEntryId: '9-0', lastGeneratedId: '9-0' });
  });
  it('an empty stream (nil entries) and a Redis 6 reply (no entries-added)', () => {
    expect(parseXinfoStream(['length', 0, 'groups', 0, 'first-entry', null, 'last-entry', null])).toEqual({ length: 0, groups: 0, entriesAdded: null, firstEntryId: null, lastEntryId: null, lastGeneratedId: null });
  });
  it('anything else reads as an empty stream', () => {
    expect(parseXinfoStream(null)).toEqual({ length: 0, groups: 0, entriesAdded: null, firstEntryId: null, lastEntryId: null, lastGeneratedId: null });
  });
});
