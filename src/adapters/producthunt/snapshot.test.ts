import { describe, expect, it } from 'vitest';
import { MalformedAnswerError, parsePost, parsePostsPage } from './snapshot.js';

describe('parsePostsPage', () => {
  it('reads a Relay connection given as edges or as nodes', () => {
    const node = { slug: 'a', name: 'A', votesCount: 3, commentsCount: 1 };
    const edges = parsePostsPage({ posts: { edges: [{ cursor: 'x', node }], pageInfo: { hasNextPage: true, endCursor: 'x' } } });
    expect(edges).toEqual({ posts: [node], hasNextPage: true, endCursor: 'x' });
    const nodes = parsePostsPage({ posts: { nodes: [node] } });
    expect(nodes).toEqual({ posts: [node], hasNextPage: false, endCursor: null });
  });

  it('rejects a node without votesCount as malformed', () => {
    expect(() => parsePostsPage({ posts: { edges: [{ node: { slug: 'a' } }] } })).toThrow(MalformedAnswerError);
    expect(() => parsePostsPage({})).toThrow(MalformedAnswerError);
  });
});

describe('parsePost', () => {
  it('returns null for an unknown slug and the fields otherwise', () => {
    expect(parsePost({ post: null })).toBeNull();
    expect(parsePost({ post: { slug: 'acme', name: 'Acme', votesCount: 9, commentsCount: 2, tagline: 't', featuredAt: null } })).toMatchObject({ slug: 'acme', votesCount: 9, featuredAt: null });
  });
});
