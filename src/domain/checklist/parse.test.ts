import { describe, expect, it } from 'vitest';
import { parseInfo } from '../../adapters/redis-replies.js';
import { assessCacheControl, compareVersions, parseOgTags, readOomRejections, streamIdMs } from './parse.js';

describe('parseInfo', () => {
  it('reads fields across sections', () => {
    const info = parseInfo('# Server\r\nredis_version:7.0.15\r\n\r\n# Errorstats\r\nerrorstat_OOM:count=3\r\nerrorstat_ERR:count=1\r\n');
    expect(info.get('redis_version')).toBe('7.0.15');
    expect(readOomRejections(info, true)).toBe(3);
  });
  it('OOM rejections: 0 when none, null without the errorstats section', () => {
    expect(readOomRejections(new Map(), true)).toBe(0);
    expect(readOomRejections(new Map(), false)).toBeNull();
  });
});

describe('compareVersions', () => {
  it.each([
    ['6.2.0', '6.2', 0],
    ['6.0.16', '6.2', -1],
    ['7.0.15', '7.0', 1],
    ['10.0.0', '7.0', 1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });
});

describe('assessCacheControl', () => {
  it.each([
    ['s-maxage=60, stale-while-revalidate', true, null],
    ['public, max-age=300', true, null],
    ['private, max-age=300', false, 'private'],
    ['no-store', false, 'no-store'],
    ['no-cache', false, 'no-cache'],
    ['public', false, 'no s-maxage or max-age'],
    ['max-age=0', false, 'max-age=0'],
    [null, false, 'no Cache-Control'],
  ])('%s', (header, cacheable, reason) => {
    expect(assessCacheControl(header)).toEqual({ cacheable, reason });
  });
});

describe('parseOgTags', () => {
  it('finds property= and name= tags in any attribute order', () => {
    const html = `<head><meta content="Acme &amp; co" property="og:title"><meta name='og:image' content='https://acme.example/og.png' /></head>`;
    expect(parseOgTags(html)).toEqual({ ogTitle: 'Acme & co', ogImage: 'https://acme.example/og.png' });
  });
  it('null for missing or empty tags', () => {
    expect(parseOgTags('<meta property="og:title" content="">')).toEqual({ ogTitle: null, ogImage: null });
  });
});

it('streamIdMs reads the time part of an entry id', () => {
  expect(streamIdMs('1700000000123-4')).toBe(1_700_000_000_123);
});
