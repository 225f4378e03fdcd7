import { describe, expect, it } from 'vitest';
import { renderPhHistory, renderPhLeaderboard, renderPhStatus } from './render.js';

const NOW = 1_800_000_000_000;

describe('renderPhStatus', () => {
  it('shows votes, velocity, approximate rank, the budget and the age of the answer', () => {
    const text = renderPhStatus(
      { post: 'acme', name: 'Acme', votesCount: 120, commentsCount: 9, rank: 3, votesLastHour: 42, cached: true, fetchedAt: NOW - 30_000, rateLimit: { limit: 6250, remaining: 6000, resetAt: NOW + 600_000 } },
      NOW,
    );
    expect(text).toContain('Acme (acme)');
    expect(text).toMatch(/votes\s+120/);
    expect(text).toContain('+42');
    expect(text).toContain('#3 today (approximate');
    expect(text).toContain('6000/6250 points left, resets in 10m 00s');
    expect(text).toContain('cached, 30.0s old');
  });

  it('says why the rank is unknown and when the answer is stale', () => {
    const text = renderPhStatus({ post: 'acme', name: 'Acme', votesCount: 0, commentsCount: 0, rank: null, rankNote: 'votes look hidden', votesLastHour: null, cached: true, stale: true, fetchedAt: NOW - 600_000, rateLimit: null }, NOW);
    expect(text).toContain('unknown (votes look hidden)');
    expect(text).toContain('STALE');
    expect(text).toContain('not enough history yet');
  });
});

describe('renderPhLeaderboard', () => {
  it('marks our post', () => {
    const text = renderPhLeaderboard(
      {
        day: '2026-12-08',
        complete: true,
        cached: false,
        fetchedAt: NOW,
        rateLimit: null,
        entries: [
          { slug: 'x', name: 'X', votesCount: 90, commentsCount: 1, rank: 1, ours: false },
          { slug: 'acme', name: 'Acme', votesCount: 80, commentsCount: 2, rank: 2, ours: true },
        ],
      },
      NOW,
      false,
    );
    expect(text.split('\n').find((l) => l.includes('Acme'))).toContain('◀ ours');
    expect(text).toContain('Product Hunt day 2026-12-08');
  });
});

describe('renderPhHistory', () => {
  const points = [10, 12, 20].map((votes, i) => ({ votes, comments: 1, rank: 4 - i, ts: NOW + i * 60_000 }));
  it('draws a sparkline on a terminal and lines in a log', () => {
    expect(renderPhHistory('acme', points, NOW, true)).toContain('▁');
    const plain = renderPhHistory('acme', points, NOW, false);
    expect(plain).toContain('votes 10 → 20 (+10)');
    expect(plain).toMatch(/#2/);
  });
});
