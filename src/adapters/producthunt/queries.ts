// The GraphQL queries sent to Product Hunt and the paginated fetch of one
// snapshot. Status and leaderboard share one snapshot, so the common case (at
// most 20 featured posts today) costs one request.
import { MalformedAnswerError, parsePost, parsePostsPage, type PhSnapshot, type PostVotes } from './snapshot.js';
import { UnreachableError } from '../../errors.js';
import type { PhClient } from './client.js';

/** Never assume more: `first: 100` has been seen to return 20 (research §3, issue #289). */
export const PAGE_SIZE = 20;
/** Stop paginating after this many pages (300 posts); the leaderboard is then marked incomplete. */
export const MAX_LEADERBOARD_PAGES = 15;

const POSTS_ARGS = 'featured: true, postedAfter: $postedAfter, postedBefore: $postedBefore, order: VOTES, first: $first, after: $after';
const POSTS_SELECTION = 'pageInfo { hasNextPage endCursor } edges { node { id name slug votesCount commentsCount } }';

export const STATUS_QUERY = `query LaunchctlStatus($slug: String!, $postedAfter: DateTime!, $postedBefore: DateTime!, $first: Int!, $after: String) {
  post(slug: $slug) { id name slug tagline url votesCount commentsCount reviewsRating createdAt featuredAt }
  posts(${POSTS_ARGS}) { ${POSTS_SELECTION} }
}`;

export const LEADERBOARD_PAGE_QUERY = `query LaunchctlLeaderboardPage($postedAfter: DateTime!, $postedBefore: DateTime!, $first: Int!, $after: String) {
  posts(${POSTS_ARGS}) { ${POSTS_SELECTION} }
}`;

function parseOrThrow<T>(parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof MalformedAnswerError) throw new UnreachableError(`the Product Hunt API answered with an unexpected shape (${err.message})`, 'PH_BAD_RESPONSE');
    throw err;
  }
}

/** The Product Hunt day to list posts of (domain/ph/day.ts computes it). */
export interface PhDayWindow {
  day: string;
  startMs: number;
  endMs: number;
}

/** The post and today's featured posts, following cursors page by page. */
export async function fetchPhSnapshot(client: PhClient, slug: string, day: PhDayWindow): Promise<PhSnapshot> {
  const window = { postedAfter: new Date(day.startMs).toISOString(), postedBefore: new Date(day.endMs).toISOString(), first: PAGE_SIZE };
  const first = await client.query(STATUS_QUERY, { slug, ...window, after: null });
  const post = parseOrThrow(() => parsePost(first));
  let page = parseOrThrow(() => parsePostsPage(first));
  const posts: PostVotes[] = [...page.posts];
  let pages = 1;
  while (page.hasNextPage && page.endCursor && pages < MAX_LEADERBOARD_PAGES) {
    const data = await client.query(LEADERBOARD_PAGE_QUERY, { ...window, after: page.endCursor });
    page = parseOrThrow(() => parsePostsPage(data));
    posts.push(...page.posts);
    pages++;
  }
  return { day: day.day, dayStartMs: day.startMs, post, posts, complete: !page.hasNextPage };
}
