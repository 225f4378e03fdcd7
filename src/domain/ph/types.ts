// Shapes shared by the Product Hunt client, the service and its callers
// (ph, watch, checklist, rehearse). Pure types, no I/O.

export type { PhRateLimit } from '../../adapters/producthunt/ratelimit.js';
import type { PhRateLimit } from '../../adapters/producthunt/ratelimit.js';

/** What `getPhStatus` returns; also the `ph --json` document (plus `version`). */
export interface PhStatus {
  /** The post slug (productHunt.post). */
  post: string;
  name: string;
  votesCount: number;
  commentsCount: number;
  /** Position among today's featured posts by votes; approximate (Product Hunt weighs votes). Null when unknown. */
  rank: number | null;
  /** Votes gained over the last hour of recorded history (or since the first point when history is shorter); null with fewer than 2 points. */
  votesLastHour: number | null;
  /** True when the answer came from the shared Redis cache rather than a request made by this call. */
  cached: boolean;
  /** When the answer was fetched from the API (epoch ms). */
  fetchedAt: number;
  rateLimit: PhRateLimit | null;
  /** True when the cached answer is older than productHunt.cacheTtl (served because the budget is spent). */
  stale?: boolean;
  /** Why rank is null or doubtful (e.g. votes hidden during the first hours of the day). */
  rankNote?: string;
}

export interface PhLeaderboardEntry {
  slug: string;
  name: string;
  votesCount: number;
  commentsCount: number;
  /** 1-based position by votes (ties share the better position). */
  rank: number;
  ours: boolean;
}

export interface PhLeaderboard {
  /** The Product Hunt day (America/Los_Angeles), YYYY-MM-DD. */
  day: string;
  entries: PhLeaderboardEntry[];
  /** False when pagination stopped at the page cap before the last page. */
  complete: boolean;
  cached: boolean;
  fetchedAt: number;
  rateLimit: PhRateLimit | null;
  stale?: boolean;
  rankNote?: string;
}

/** One recorded fetch in the history stream. */
export interface PhHistoryPoint {
  votes: number;
  comments: number;
  rank: number | null;
  /** Epoch ms of the fetch. */
  ts: number;
}
