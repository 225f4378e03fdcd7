import { describe, expect, it } from 'vitest';
import { looksLikeHiddenVotes, rankByVotes, votesLastHour } from './rank.js';

const post = (slug: string, votesCount: number) => ({ slug, name: slug.toUpperCase(), votesCount, commentsCount: 0 });

describe('rankByVotes', () => {
  it('ranks by votes, ties sharing a position, and marks our post', () => {
    const ranked = rankByVotes([post('b', 50), post('ours', 80), post('c', 50), post('d', 10)], 'ours');
    expect(ranked.map((e) => [e.slug, e.rank, e.ours])).toEqual([
      ['ours', 1, true],
      ['b', 2, false],
      ['c', 2, false],
      ['d', 4, false],
    ]);
  });

  it('counts a post seen on two pages once', () => {
    expect(rankByVotes([post('a', 5), post('b', 4), post('a', 6)], 'x')).toHaveLength(2);
  });
});

describe('looksLikeHiddenVotes', () => {
  it('flags identical counts in the first four hours only', () => {
    const zeros = [post('a', 0), post('b', 0), post('c', 0)];
    expect(looksLikeHiddenVotes(zeros, 3_600_000)).toBe(true);
    expect(looksLikeHiddenVotes(zeros, 5 * 3_600_000)).toBe(false);
    expect(looksLikeHiddenVotes([post('a', 3), post('b', 0)], 3_600_000)).toBe(false);
  });
});

describe('votesLastHour', () => {
  const NOW = 10 * 3_600_000;
  it('subtracts the last point at or before an hour ago', () => {
    const points = [
      { votes: 10, comments: 0, rank: null, ts: NOW - 2 * 3_600_000 },
      { votes: 20, comments: 0, rank: null, ts: NOW - 3_600_000 },
      { votes: 35, comments: 0, rank: null, ts: NOW - 60_000 },
    ];
    expect(votesLastHour(points, NOW)).toBe(15);
  });

  it('uses the first point when the history is shorter than an hour, and null for one point', () => {
    expect(votesLastHour([{ votes: 3, comments: 0, rank: null, ts: NOW - 600_000 }, { votes: 9, comments: 0, rank: null, ts: NOW }], NOW)).toBe(6);
    expect(votesLastHour([{ votes: 3, comments: 0, rank: null, ts: NOW }], NOW)).toBeNull();
  });

  it('can be negative when votes are removed', () => {
    expect(votesLastHour([{ votes: 30, comments: 0, rank: null, ts: NOW - 600_000 }, { votes: 25, comments: 0, rank: null, ts: NOW }], NOW)).toBe(-5);
  });
});
