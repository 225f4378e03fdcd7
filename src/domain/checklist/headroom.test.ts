import { describe, expect, it } from 'vitest';
import { createKeys } from '../../keys.js';
import { keySlot, parseClusterNodes, type ClusterNode } from './cluster.js';
import { launchWindowStreamKeys, projectHeadroom, worstProjection, type HeadroomInput } from './headroom.js';

const MB = 1024 * 1024;
const T0 = Date.parse('2026-12-08T08:01:00Z');

/** Three masters: 0-5460, 5461-10922, 10923-16383 (as redis-cli --cluster create splits them), plus a replica. */
const LAYOUT: ClusterNode[] = parseClusterNodes(
  [
    'aaaa 10.0.0.1:6379@16379 myself,master - 0 0 1 connected 0-5460',
    'bbbb 10.0.0.2:6379@16379 master - 0 0 2 connected 5461-10922',
    'cccc 10.0.0.3:6379@16379 master - 0 0 3 connected 10923-16383',
    'dddd 10.0.1.1:6379@16379 slave aaaa 0 0 1 connected',
  ].join('\n'),
);
const MASTERS = ['10.0.0.1:6379', '10.0.0.2:6379', '10.0.0.3:6379'].map((address) => ({ address, usedMemory: 2 * MB, limit: 100 * MB }));
const ownerOf = (key: string) => MASTERS[Math.min(2, Math.floor(keySlot(key) / 5461))]!.address;

function input(over: Partial<HeadroomInput> = {}): HeadroomInput {
  const keys = createKeys('');
  return {
    masters: MASTERS,
    layout: LAYOUT,
    streamKeys: launchWindowStreamKeys(keys, T0, T0, 7),
    bytesPerStream: 10 * MB,
    currentStreams: [],
    stateBytes: 3 * MB,
    sampleStateKey: keys.convState('0'),
    ...over,
  };
}

describe('launchWindowStreamKeys', () => {
  it('the day of t0 + 24 h and the retentionDays − 1 days before it', () => {
    expect(launchWindowStreamKeys(createKeys('p:'), T0, 0, 3)).toEqual(['p:stream:engagement:2026-12-09', 'p:stream:engagement:2026-12-08', 'p:stream:engagement:2026-12-07']);
  });
  it('without t0, from now', () => {
    expect(launchWindowStreamKeys(createKeys(''), null, Date.parse('2026-01-31T23:00:00Z'), 1)).toEqual(['stream:engagement:2026-02-01']);
  });
});

describe('projectHeadroom', () => {
  it('standalone: the one node gets all streams and all state, minus what the streams use now', () => {
    const [p] = projectHeadroom(input({ masters: [MASTERS[0]!], layout: null, currentStreams: [{ key: 'stream:engagement:2026-12-01', bytes: 4 * MB }] }));
    expect(p).toMatchObject({ streams: 7, streamGrowth: 70 * MB - 4 * MB, stateShare: 1, stateGrowth: 3 * MB, projected: 2 * MB + 66 * MB + 3 * MB });
  });

  it('cluster: each day stream grows on the master owning its slot; the state by slot share', () => {
    const projections = projectHeadroom(input());
    const streamKeys = input().streamKeys;
    for (const p of projections) {
      const owned = streamKeys.filter((k) => ownerOf(k) === p.address).length;
      expect(p.streams, p.address).toBe(owned);
      expect(p.streamGrowth).toBe(owned * 10 * MB);
      expect(p.stateGrowth).toBeCloseTo((3 * MB * (p.address === '10.0.0.2:6379' ? 5462 : 5461)) / 16384, 0);
      expect(p.projected).toBeCloseTo(2 * MB + p.streamGrowth + p.stateGrowth, 0);
    }
    // Every stream is projected once, on one master; the state adds up to all of it.
    expect(projections.reduce((n, p) => n + p.streams, 0)).toBe(7);
    expect(projections.reduce((n, p) => n + p.stateGrowth, 0)).toBeCloseTo(3 * MB, 0);
  });

  it('cluster: a stream already there counts against the master that holds it only', () => {
    const key = input().streamKeys[0]!;
    const owner = ownerOf(key);
    const before = projectHeadroom(input());
    const after = projectHeadroom(input({ currentStreams: [{ key, bytes: 6 * MB }] }));
    for (let i = 0; i < 3; i++) {
      const delta = before[i]!.streamGrowth - after[i]!.streamGrowth;
      expect(delta, after[i]!.address).toBe(after[i]!.address === owner ? 6 * MB : 0);
    }
  });

  it('a hash-tagged prefix puts every stream and all the state on the tag’s master', () => {
    const keys = createKeys('{acme}:');
    const owner = ownerOf('{acme}');
    const projections = projectHeadroom(input({ streamKeys: launchWindowStreamKeys(keys, T0, T0, 7), sampleStateKey: keys.convState('0') }));
    for (const p of projections) {
      expect(p.streams).toBe(p.address === owner ? 7 : 0);
      expect(p.stateShare).toBe(p.address === owner ? 1 : 0);
    }
    expect(worstProjection(projections)?.address).toBe(owner);
  });

  it('a master the layout does not list is given the whole growth (conservative)', () => {
    const [p] = projectHeadroom(input({ masters: [{ address: 'other:1', usedMemory: 0, limit: MB }] }));
    expect(p).toMatchObject({ streams: 7, stateShare: 1 });
  });

  it('worstProjection: the highest ratio of projected to limit wins, unknown limits are left out', () => {
    const projections = projectHeadroom(input({ masters: [MASTERS[0]!, { ...MASTERS[1]!, limit: 30 * MB }, { ...MASTERS[2]!, limit: 0 }] }));
    expect(worstProjection(projections)?.address).toBe('10.0.0.2:6379');
    expect(worstProjection(projectHeadroom(input({ masters: [{ ...MASTERS[0]!, limit: 0 }] })))).toBeUndefined();
  });
});
