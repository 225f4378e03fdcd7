// Pure renderers of the `ph` results (STYLE.md habit 9): the table and the
// lines, given the result and the clock. No I/O.
import { sparkline } from '../../output/charts.js';
import { renderTable } from '../../output/table.js';
import type { Paint } from '../../output/terminal.js';
import { formatDuration } from '../../util/duration.js';
import type { PhHistoryPoint, PhLeaderboard, PhRateLimit, PhStatus } from './types.js';

const plain: Paint = (_c, text) => text;

export function describeBudget(rl: PhRateLimit | null, nowMs: number): string {
  if (!rl) return 'unknown (no request recorded yet)';
  if (rl.resetAt <= nowMs) return `${rl.remaining}/${rl.limit} left when last seen; the window has reset since`;
  return `${rl.remaining}/${rl.limit} points left, resets in ${formatDuration(rl.resetAt - nowMs)}`;
}

export function describeAge(s: { cached: boolean; fetchedAt: number; stale?: boolean }, nowMs: number): string {
  const age = formatDuration(Math.max(0, nowMs - s.fetchedAt));
  if (!s.cached) return 'just fetched from Product Hunt';
  return s.stale ? `cached, ${age} old (STALE: the budget is spent, no fresher answer)` : `cached, ${age} old (shared through Redis)`;
}

export function renderPhStatus(s: PhStatus, nowMs: number, paint: Paint = plain): string {
  const velocity = s.votesLastHour === null ? 'not enough history yet' : `${s.votesLastHour >= 0 ? '+' : ''}${s.votesLastHour}`;
  const rank = s.rank === null ? `unknown${s.rankNote ? ` (${s.rankNote})` : ''}` : `#${s.rank} today (approximate: by votes among featured posts${s.rankNote ? `; ${s.rankNote}` : ''})`;
  const rows: [string, string][] = [
    ['votes', paint('bold', String(s.votesCount))],
    ['last hour', velocity],
    ['comments', String(s.commentsCount)],
    ['rank', rank],
    ['budget', describeBudget(s.rateLimit, nowMs)],
    ['answer', s.stale ? paint('yellow', describeAge(s, nowMs)) : describeAge(s, nowMs)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [`${paint('bold', s.name)} (${s.post})`, ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`)].join('\n');
}

export function renderPhLeaderboard(b: PhLeaderboard, nowMs: number, decorate: boolean, paint: Paint = plain): string {
  const table = renderTable({
    head: ['#', 'post', 'votes', 'comments', ''],
    rows: b.entries.map((e) => [e.rank, e.ours ? paint('bold', e.name) : e.name, e.votesCount, e.commentsCount, e.ours ? paint('green', '◀ ours') : '']),
    decorate,
    align: ['right', 'left', 'right', 'right', 'left'],
  });
  const notes = [
    `Product Hunt day ${b.day} (Pacific time), ${b.entries.length} featured posts, ranked by votes (approximate: Product Hunt weighs votes)`,
    ...(b.complete ? [] : ['only the first pages were read: the list is incomplete']),
    ...(b.rankNote ? [b.rankNote] : []),
    `answer: ${describeAge(b, nowMs)}; budget: ${describeBudget(b.rateLimit, nowMs)}`,
  ];
  return b.entries.length === 0 ? ['no featured posts yet today', ...notes].join('\n') : [table, ...notes].join('\n');
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** A sparkline for a terminal, or one line per point (the last `maxLines`) for logs. */
export function renderPhHistory(post: string, points: readonly PhHistoryPoint[], sinceMs: number, decorate: boolean, maxLines = 30): string {
  if (points.length === 0) return `no recorded fetches of ${post} since ${new Date(sinceMs).toISOString()} (each fresh fetch by ph, watch or checklist records one)`;
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const summary = `${post}: ${points.length} points from ${time(first.ts)} to ${time(last.ts)} UTC, votes ${first.votes} → ${last.votes} (${last.votes - first.votes >= 0 ? '+' : ''}${last.votes - first.votes})`;
  if (decorate) {
    return [summary, `votes ${sparkline(points.map((p) => p.votes), 60)} ${last.votes}`].join('\n');
  }
  const shown = points.slice(-maxLines);
  const table = renderTable({
    head: ['time (UTC)', 'votes', 'comments', 'rank'],
    rows: shown.map((p) => [time(p.ts), p.votes, p.comments, p.rank === null ? '-' : `#${p.rank}`]),
    decorate: false,
    align: ['left', 'right', 'right', 'right'],
  });
  return [summary, ...(shown.length < points.length ? [`(last ${shown.length} points; --json has all)`] : []), table].join('\n');
}
