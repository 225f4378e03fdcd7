import { describe, expect, it } from 'vitest';
import { launchDaySnapshot, nextSnapshot, reconnectingSnapshot } from '../../../test/fixtures/watch-snapshots.js';
import { buildWatchDocument } from './document.js';

describe('buildWatchDocument', () => {
  it('has the documented top-level keys, with the rates merged into their panels', () => {
    const prev = launchDaySnapshot();
    const doc = buildWatchDocument(nextSnapshot(prev), prev);
    expect(Object.keys(doc)).toEqual(['ts', 'launch', 'productHunt', 'redis', 'streams', 'conversion', 'warm']);
    expect(doc.redis).toMatchObject({ connected: true, opsPerSec: 3410, hitRatio: 0.95, evictedSinceLast: 2, oomSinceLast: 1, intervalS: 2 });
    expect(doc.streams).toMatchObject({ ingestPerSec: 20, consumePerSec: 19 });
    expect(doc.conversion).toMatchObject({ eventsPerSec: 19 });
  });

  it('says the connection is down, with the cause, and nulls the Redis panels while reconnecting', () => {
    const doc = buildWatchDocument(reconnectingSnapshot());
    expect(doc.redis).toEqual({ connected: false, url: 'redis://:****@redis.acme.example:6379', error: 'ECONNREFUSED', since: reconnectingSnapshot().connection.since });
    expect(doc.streams).toBeNull();
    expect(doc.conversion).toBeNull();
    expect(doc.warm).toBeNull();
    expect(doc.productHunt).not.toBeNull();
  });
});
