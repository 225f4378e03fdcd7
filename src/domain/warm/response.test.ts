import { describe, expect, it } from 'vitest';
import { isRetryableStatus, readCacheStatus } from './response.js';

describe('readCacheStatus', () => {
  it('reads the CDN and framework headers a warmer meets', () => {
    expect(readCacheStatus({ 'x-nextjs-cache': 'HIT', age: '12' })).toEqual({ status: 'HIT', header: 'x-nextjs-cache', ageS: 12 });
    expect(readCacheStatus({ 'cf-cache-status': 'dynamic', 'x-vercel-cache': 'MISS' })).toEqual({ status: 'DYNAMIC', header: 'cf-cache-status', ageS: null });
    expect(readCacheStatus({ 'x-cache': 'MISS, HIT' }).status).toBe('HIT');
    expect(readCacheStatus({ 'x-cache': 'Hit from cloudfront' }).status).toBe('HIT');
    expect(readCacheStatus({})).toEqual({ status: null, header: null, ageS: null });
  });
});

describe('retry policy', () => {
  it('retries 5xx only', () => {
    expect(isRetryableStatus(503)).toBe(true);
    expect(isRetryableStatus(404)).toBe(false);
    expect(isRetryableStatus(429)).toBe(false);
  });

});
