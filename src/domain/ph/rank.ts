// Approximate rank. The public v2 API has no rank field (research §3), and the
// site's rank weighs votes differently, so we rank today's posts by votesCount
// and always label it approximate.
import type { PostVotes } from '../../adapters/producthunt/snapshot.js';
import type { PhHistoryPoint, PhLeaderboardEntry } from './types.js';

/** Today's posts by votes, descending; ties share the better position (1, 2, 2, 4). */
export function rankByVotes(posts: readonly PostVotes[], ourSlug: string): PhLeaderboardEntry[] {
  const unique = new Map<string, PostVotes>();
  // Pages can overlap when the order shifts between requests: keep each post once.
  for (const p of posts) unique.set(p.slug, p);
  const sorted = [...unique.values()].sort((a, b) => b.votesCount - a.votesCount || a.name.localeCompare(b.name));
  let rank = 0;
  return sorted.map((p, i) => {
    if (i === 0 || sorted[i - 1]!.votesCount !== p.votesCount) rank = i + 1;
    return { slug: p.slug, name: p.name, votesCount: p.votesCount, commentsCount: p.commentsCount, rank, ours: p.slug === ourSlug };
  });
}

/** The website hides upvotes for the first 4 hours of the Product Hunt day. */
export const HIDDEN_VOTES_WINDOW_MS = 4 * 3_600_000;

/**
 * Whether the votes look hidden: inside the first hours of the day and every post
 * reports the same count (zero included). Whether the API hides them is not
 * confirmed (research, "Uncertain"), so we detect it rather than assume it.
 */
export function looksLikeHiddenVotes(posts: readonly PostVotes[], msIntoDay: number): boolean {
  if (msIntoDay >= HIDDEN_VOTES_WINDOW_MS || posts.length < 2) return false;
  return posts.every((p) => p.votesCount === posts[0]!.votesCount);
}

const HOUR_MS = 3_600_000;

/**
 * Votes gained in the last hour: the latest point minus the last point at or
 * before an hour ago, or minus the first point when the history is shorter than
 * an hour. Null with fewer than two points. May be negative (Product Hunt removes
 * votes it judges inauthentic).
 */
export function votesLastHour(points: readonly PhHistoryPoint[], nowMs: number): number | null {
  const sorted = [...points].sort((a, b) => a.ts - b.ts);
  if (sorted.length < 2) return null;
  const latest = sorted[sorted.length - 1]!;
  const hourAgo = nowMs - HOUR_MS;
  let base = sorted[0]!;
  for (const p of sorted) {
    if (p.ts <= hourAgo) base = p;
    else break;
  }
  if (base === latest) return 0;
  return latest.votes - base.votes;
}
