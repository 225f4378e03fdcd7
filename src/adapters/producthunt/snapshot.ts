// Reads the GraphQL answers into a snapshot (pure), defensively: a field of
// the wrong type is a malformed answer, not a crash further down.
/** One post's public counts, as the API returns them. */
export interface PostVotes {
  slug: string;
  name: string;
  votesCount: number;
  commentsCount: number;
}


export interface PhPostInfo extends PostVotes {
  tagline: string;
  url: string;
  reviewsRating: number | null;
  createdAt: string | null;
  featuredAt: string | null;
}

/** One fetch of the post and of today's leaderboard, as cached in Redis. */
export interface PhSnapshot {
  /** Product Hunt day (America/Los_Angeles) the leaderboard belongs to. */
  day: string;
  dayStartMs: number;
  post: PhPostInfo | null;
  posts: PostVotes[];
  /** False when pagination stopped at the page cap. */
  complete: boolean;
}

export interface PostsPage {
  posts: PostVotes[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export class MalformedAnswerError extends Error {
  override name = 'MalformedAnswerError';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function readPostVotes(node: unknown, where: string): PostVotes {
  if (!isObject(node)) throw new MalformedAnswerError(`${where}: expected an object`);
  const slug = str(node.slug);
  const votesCount = int(node.votesCount);
  if (slug === null || votesCount === null) throw new MalformedAnswerError(`${where}: missing slug or votesCount`);
  return { slug, name: str(node.name) ?? slug, votesCount, commentsCount: int(node.commentsCount) ?? 0 };
}

/** `data.post`: null when no post has the slug. */
export function parsePost(data: Record<string, unknown>): PhPostInfo | null {
  const post = data.post;
  if (post === null || post === undefined) return null;
  const base = readPostVotes(post, 'post');
  const p = post as Record<string, unknown>;
  return {
    ...base,
    tagline: str(p.tagline) ?? '',
    url: str(p.url) ?? '',
    reviewsRating: int(p.reviewsRating),
    createdAt: str(p.createdAt),
    featuredAt: str(p.featuredAt),
  };
}

/** `data.posts`: a Relay connection (edges { node } or nodes, pageInfo). */
export function parsePostsPage(data: Record<string, unknown>): PostsPage {
  const conn = data.posts;
  if (!isObject(conn)) throw new MalformedAnswerError('posts: expected a connection');
  const edges = Array.isArray(conn.edges) ? conn.edges.map((e: unknown) => (isObject(e) ? e.node : undefined)) : Array.isArray(conn.nodes) ? conn.nodes : null;
  if (edges === null) throw new MalformedAnswerError('posts: expected edges or nodes');
  const pageInfo = isObject(conn.pageInfo) ? conn.pageInfo : {};
  return {
    posts: edges.map((n: unknown, i: number) => readPostVotes(n, `posts.edges[${i}].node`)),
    hasNextPage: pageInfo.hasNextPage === true,
    endCursor: str(pageInfo.endCursor),
  };
}
