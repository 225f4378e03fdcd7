// Pure renderers of a watch snapshot: the full-screen dashboard (fits 80×24,
// uses more room when there is) and the one-line-per-refresh mode for logs and
// CI, modelled on `redis-cli --stat` (two-row header, repeated every 20 lines).
import { asciiBar, bar, sparkline } from '../../output/charts.js';
import { formatBytes, formatClockUtc, formatCount, formatLatency, formatPercent, formatRate } from '../../output/format.js';
import { makePaint, visibleLength, type Paint } from '../../output/terminal.js';
import { formatDuration } from '../../util/duration.js';
import { describePhase, formatLaunchClock } from './clock.js';
import { fitLine, spread } from '../../output/terminal.js';
import { computeRates, type WatchRates } from './rates.js';
import { fullestMaster, type WatchSnapshot } from './snapshot.js';

export interface DashboardSize {
  columns: number;
  rows: number;
}

export interface DashboardOptions {
  /** The previous snapshot, for rates; without it Redis' own estimates are shown. */
  prev?: WatchSnapshot;
  /** Colours (a TTY); plain text by default. */
  paint?: Paint;
  paused?: boolean;
  /** While Redis is unreachable, the stream, conversion and warm panels keep this snapshot's values, marked "as of" its time. */
  lastConnected?: WatchSnapshot;
  intervalMs?: number;
  /** Unicode blocks for bars (default); ASCII `#.` when false. */
  unicode?: boolean;
  /** Key hints in the footer (default); false for a printed one-off snapshot, where no key does anything. */
  interactive?: boolean;
}

/** The layout designed for 80×24; bigger terminals get taller panels. */
export const BASE_SIZE: DashboardSize = { columns: 80, rows: 24 };
const TWO_COLUMNS_FROM = 80;
const FIXED_LINES = 6; // header, four rules, footer

interface PanelContext {
  s: WatchSnapshot;
  r: WatchRates;
  paint: Paint;
  bar: (value: number, max: number, width: number) => string;
  /** When the values shown were read, if they are not from this refresh (Redis unreachable). */
  staleAt: number | null;
}

type Panel = (c: PanelContext, width: number, height: number) => string[];

/** The whole screen: exactly `size.rows` lines, each exactly `size.columns` cells, no trailing newline. */
export function renderDashboard(snapshot: WatchSnapshot, size: DashboardSize, options: DashboardOptions = {}): string {
  // Lay out for at least 20 columns, but never print wider than the terminal (a wrapped line would scroll the screen).
  const screenColumns = Math.max(1, Math.floor(size.columns));
  const columns = Math.max(20, screenColumns);
  const rows = Math.max(1, Math.floor(size.rows));
  const paint = options.paint ?? makePaint(false);
  const unicode = options.unicode ?? true;
  const last = !snapshot.redis && options.lastConnected?.redis ? options.lastConnected : undefined;
  const shown: WatchSnapshot = last
    ? { ...last, ts: snapshot.ts, launch: snapshot.launch, connection: snapshot.connection, redis: null, productHunt: snapshot.productHunt, notes: snapshot.notes }
    : snapshot;
  const c: PanelContext = {
    s: shown,
    r: computeRates(last ? undefined : options.prev, shown),
    paint,
    bar: unicode ? bar : asciiBar,
    staleAt: last ? last.ts : null,
  };
  const header = renderHeader(c, columns);
  const footer = renderFooter(c, columns, options);
  // Below 24 rows lay out for 24 and keep the top: the launch and Redis panels matter most.
  const layoutRows = Math.max(rows, BASE_SIZE.rows);
  const body = columns >= TWO_COLUMNS_FROM ? layoutTwoColumns(c, columns, layoutRows - FIXED_LINES) : layoutStacked(c, columns, layoutRows - 2);
  const lines = [header, ...body].slice(0, rows - 1);
  lines.push(footer);
  return lines.slice(0, rows).map((l) => fitLine(l, screenColumns)).join('\n');
}

function layoutTwoColumns(c: PanelContext, columns: number, panelLines: number): string[] {
  const left = Math.floor((columns - 1) / 2);
  const right = columns - 1 - left;
  const extra = panelLines - (BASE_SIZE.rows - FIXED_LINES);
  const hA = 5 + Math.min(2, Math.floor(extra / 4));
  const hB = 6 + Math.min(8, Math.floor(extra / 2));
  const hC = Math.max(1, panelLines - hA - hB);
  const rule = (mid: string) => c.paint('dim', `${'─'.repeat(left)}${mid}${'─'.repeat(right)}`);
  const side = (l: Panel, r: Panel, height: number) => {
    const a = fill(l(c, left - 1, height), height);
    const b = fill(r(c, right - 1, height), height);
    return a.map((line, i) => `${fitLine(` ${line}`, left)}${c.paint('dim', '│')}${fitLine(` ${b[i]}`, right)}`);
  };
  return [
    rule('┬'),
    ...side(phPanel, redisPanel, hA),
    rule('┼'),
    ...side(streamPanel, conversionPanel, hB),
    rule('┴'),
    ...fill(warmPanel(c, columns - 1, hC), hC).map((l) => ` ${l}`),
    rule('─'),
  ];
}

function layoutStacked(c: PanelContext, columns: number, bodyLines: number): string[] {
  const out: string[] = [];
  const panels: [Panel, number][] = [
    [redisPanel, 5],
    [phPanel, 5],
    [streamPanel, 5],
    [conversionPanel, 6],
    [warmPanel, 4],
  ];
  for (const [panel, height] of panels) {
    out.push(c.paint('dim', '─'.repeat(columns)));
    out.push(...fill(panel(c, columns - 1, height), height).map((l) => ` ${l}`));
  }
  return fill(out.slice(0, bodyLines), bodyLines);
}

function fill(lines: string[], height: number): string[] {
  const out = lines.slice(0, height);
  while (out.length < height) out.push('');
  return out;
}

function title(c: PanelContext, text: string): string {
  const stale = c.staleAt !== null && text !== 'REDIS' && text !== 'PRODUCT HUNT' ? ` ${c.paint('yellow', `as of ${formatClockUtc(c.staleAt)}`)}` : '';
  return `${c.paint('bold', text)}${stale}`;
}

function renderHeader(c: PanelContext, columns: number): string {
  const { launch } = c.s;
  const phase = launch.phase ? ` · ${describePhase(launch.phase)}` : '';
  const left = ` ${c.paint('bold', 'launchctl watch')} · ${launch.name} · ${c.paint('cyan', formatLaunchClock(launch))}${phase}`;
  const right = `${formatClockUtc(c.s.ts)} UTC `;
  return spread(left, right, columns, visibleLength);
}

function renderFooter(c: PanelContext, columns: number, options: DashboardOptions): string {
  const every = options.intervalMs ? ` · every ${formatDuration(options.intervalMs)}` : '';
  const left =
    options.interactive === false
      ? ' snapshot (run watch without --once for the live view)'
      : options.paused
        ? ` ${c.paint('yellow', 'PAUSED')} · p resume · q quit`
        : ` q quit · p pause${every}`;
  const note = c.s.notes[0];
  const right = note ? c.paint('yellow', note) : c.s.connection.url;
  return spread(left, `${right} `, columns, visibleLength);
}

function redisPanel(c: PanelContext, width: number): string[] {
  const { s, r, paint } = c;
  const redis = s.redis;
  if (!redis) {
    const since = s.connection.since !== null ? ` for ${formatDuration(s.ts - s.connection.since)}` : '';
    return [
      title(c, 'REDIS'),
      paint('yellow', 'reconnecting…'),
      `${s.connection.error ?? 'no answer'}${since}`,
      s.connection.url,
    ];
  }
  const nodes = redis.nodes > 1 ? ` · ${redis.nodes} masters` : '';
  // On a cluster memory is per master: the fullest one is the one that refuses writes first.
  const fullest = fullestMaster(redis);
  const memory = fullest ?? redis;
  // `max`: the fullest master (--json lists each master under redis.masters).
  const which = fullest ? ' max' : '';
  const mem =
    memory.maxmemoryBytes > 0
      ? (() => {
          const used = memory.usedMemoryBytes / memory.maxmemoryBytes;
          const tail = ` ${formatBytes(memory.usedMemoryBytes)}/${formatBytes(memory.maxmemoryBytes)} ${Math.round(used * 100)}%${which}`;
          const barWidth = Math.max(4, width - 4 - tail.length);
          const colour = used >= 0.9 ? 'red' : used >= 0.75 ? 'yellow' : 'green';
          return `mem ${paint(colour, c.bar(memory.usedMemoryBytes, memory.maxmemoryBytes, barWidth))}${tail}`;
        })()
      : `mem ${formatBytes(memory.usedMemoryBytes)} (no maxmemory)${which}`;
  const alarm = (n: number | null) => (n === null ? '—' : n > 0 ? paint('red', formatCount(n)) : '0');
  return [
    `${title(c, 'REDIS')} ${redis.version} · up ${formatDuration(redis.uptimeS * 1000)}${nodes}`,
    mem,
    `ops/s ${formatRate(r.opsPerSec)}  hit ${formatPercent(r.hitRatio)}  clients ${formatCount(redis.connectedClients)}`,
    `evicted ${alarm(r.evictedSinceLast)}  oom ${alarm(r.oomSinceLast)}  ping ${formatLatency(redis.pingMs)}`,
    `keys ${formatCount(redis.keys)}  policy ${redis.maxmemoryPolicy}`,
    `blocked ${formatCount(redis.blockedClients)}  expired ${formatCount(redis.expiredKeys)}`,
  ];
}

function phPanel(c: PanelContext, width: number): string[] {
  const { paint } = c;
  const ph = c.s.productHunt;
  if (!ph) return [title(c, 'PRODUCT HUNT'), paint('dim', 'not configured'), paint('dim', '(productHunt.post in the config)')];
  const head = `${title(c, 'PRODUCT HUNT')} ${ph.name ?? ph.post}`;
  if (ph.votesCount === null) return [head, paint(ph.state === 'error' ? 'red' : 'dim', ph.message ?? 'no data yet')];
  const rank = ph.rank !== null ? `  rank ~${ph.rank}` : '';
  const lastHour = ph.votesLastHour !== null ? `+${formatCount(ph.votesLastHour)}` : '—';
  const prefix = `last hour ${lastHour} `;
  const spark = sparkline(ph.votesHistory, Math.max(0, width - prefix.length));
  const lines = [head, `votes ${formatCount(ph.votesCount)}  comments ${formatCount(ph.commentsCount)}${rank}`, `${prefix}${paint('cyan', spark)}`];
  const rl = ph.rateLimit;
  if (rl) {
    const resets = rl.resetAt > c.s.ts ? ` · resets ${formatDuration(rl.resetAt - c.s.ts)}` : '';
    const low = rl.remaining <= Math.max(1, rl.limit * 0.1);
    lines.push(`budget ${paint(low ? 'red' : 'green', formatCount(rl.remaining))}/${formatCount(rl.limit)}${resets}`);
  } else {
    lines.push('budget —');
  }
  if (ph.state === 'error' || ph.message) lines.push(paint(ph.state === 'error' ? 'red' : 'yellow', ph.message ?? 'refresh failed'));
  else if (ph.fetchedAt !== null) lines.push(paint('dim', `fetched ${formatDuration(Math.max(0, c.s.ts - ph.fetchedAt))} ago${ph.stale ? ' (stale)' : ''}`));
  return lines;
}

function streamPanel(c: PanelContext): string[] {
  const { s, r, paint } = c;
  const st = s.streams;
  if (!st) return [title(c, 'ENGAGEMENT'), paint('dim', 'waiting for Redis')];
  const head = `${title(c, 'ENGAGEMENT')} ${st.day}`;
  const dead = st.deadLetters > 0 ? paint('red', formatCount(st.deadLetters)) : '0';
  if (!st.exists) return [head, paint('dim', 'no events today yet'), '', '', `dead letters ${dead}`];
  const lines = [head, `length ${formatCount(st.length)}  in ${formatRate(r.ingestPerSec)}/s`];
  const g = st.group;
  if (!g) {
    lines.push(paint('yellow', 'no consumer group yet'), paint('dim', '(run launchctl consume)'));
  } else {
    lines.push(`group ${g.name} · ${formatCount(g.consumers)} consumer${g.consumers === 1 ? '' : 's'}`);
    const lag = g.lag === null ? '?' : g.lag > 1000 ? paint('yellow', formatCount(g.lag)) : formatCount(g.lag);
    lines.push(`lag ${lag}  pending ${formatCount(g.pending)}  out ${formatRate(r.consumePerSec)}/s`);
  }
  lines.push(`dead letters ${dead}`);
  return lines;
}

function conversionPanel(c: PanelContext, width: number, height: number): string[] {
  const { s, r, paint } = c;
  const conv = s.conversion;
  if (!conv) return [title(c, 'CONVERSION'), paint('dim', 'waiting for Redis')];
  const lines = [`${title(c, 'CONVERSION')} ${formatCount(conv.total)} users · ${formatRate(r.eventsPerSec)} ev/s`];
  const max = Math.max(1, conv.variants.default, conv.variants.pricing, conv.variants.video);
  const countWidth = Math.max(5, formatCount(max).length);
  const barWidth = Math.max(4, width - 8 - countWidth - 6);
  for (const v of ['default', 'pricing', 'video'] as const) {
    const n = conv.variants[v];
    const share = conv.total > 0 ? `${Math.round((n / conv.total) * 100)}%` : '—';
    const colour = v === 'pricing' ? 'green' : v === 'video' ? 'magenta' : 'blue';
    lines.push(`${v.padEnd(8)}${paint(colour, c.bar(n, max, barWidth))} ${formatCount(n).padStart(countWidth)} ${share.padStart(4)}`);
  }
  const chartRows = height - lines.length - 3;
  if (chartRows >= 3) {
    lines.push('confidence');
    const cell = Math.max(1, Math.min(4, Math.floor((width - 2) / 10)));
    lines.push(...columnChart(conv.histogram, chartRows, cell).map((l) => paint('cyan', l)));
    lines.push(`${'0'.padEnd(cell * 5)}${'.5'.padEnd(cell * 5 - 1)}1`);
  } else {
    lines.push(`confidence 0 ${paint('cyan', sparklineFromZero(conv.histogram))} 1`);
  }
  lines.push(`events ${formatCount(conv.events)}  dead-lettered ${formatCount(conv.deadLettered)}`);
  return lines;
}

/** Like sparkline, but an empty bucket is always blank-ish: the scale starts at 0, not at the smallest bucket. */
function sparklineFromZero(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  if (max === 0) return '▁'.repeat(values.length);
  return sparkline([...values, 0]).slice(0, values.length);
}

/** Vertical bars, `rows` tall, `cell` cells per value, eighth-block resolution. */
export function columnChart(values: readonly number[], rows: number, cell: number): string[] {
  const max = Math.max(0, ...values);
  const eighths = values.map((v) => (max > 0 ? Math.round((v / max) * rows * 8) : 0));
  const lines: string[] = [];
  for (let row = rows - 1; row >= 0; row--) {
    let line = '';
    for (const e of eighths) {
      const level = e - row * 8;
      const ch = level >= 8 ? '█' : level > 0 ? '▁▂▃▄▅▆▇'[level - 1]! : ' ';
      line += ch.repeat(cell);
    }
    lines.push(line.trimEnd());
  }
  return lines;
}

function warmPanel(c: PanelContext, width: number, height: number): string[] {
  const { s, paint } = c;
  const w = s.warm;
  if (!w) return [title(c, 'WARM'), paint('dim', 'waiting for Redis')];
  if (w.total === 0) return [`${title(c, 'WARM')} ${paint('dim', 'no warm.paths in the config')}`];
  const soonest = w.soonest ? ` · soonest expiry ${w.soonest.path} in ${formatDuration(w.soonest.ttlMs)}` : '';
  const aliveText = `${w.alive}/${w.total}`;
  const head = `${title(c, 'WARM')} ${paint(w.alive < w.total ? 'yellow' : 'green', aliveText)} markers alive${soonest}`;
  const cellWidth = Math.max(20, Math.min(40, Math.max(...w.paths.map((p) => p.path.length)) + 12));
  const perRow = Math.max(1, Math.floor(width / cellWidth));
  const slots = perRow * Math.max(0, height - 1);
  const shown = w.paths.length > slots ? w.paths.slice(0, Math.max(0, slots - 1)) : w.paths;
  const cells = shown.map((p) => {
    const ttl = p.ttlMs === null ? paint('red', 'missing') : p.ttlMs < 0 ? 'no TTL' : formatDuration(p.ttlMs);
    const pathWidth = cellWidth - 11;
    const path = p.path.length > pathWidth ? `${p.path.slice(0, pathWidth - 1)}…` : p.path.padEnd(pathWidth);
    return fitLine(`${path} ${ttl}`, cellWidth - 1);
  });
  if (shown.length < w.paths.length) cells.push(paint('dim', `+${w.paths.length - shown.length} more`));
  const lines = [head];
  for (let i = 0; i < cells.length; i += perRow) lines.push(cells.slice(i, i + perRow).join(' ').trimEnd());
  return lines;
}

// ---- line mode (not a TTY, CI, logs) ----

interface LineColumn {
  group: string;
  name: string;
  width: number;
  value: (s: WatchSnapshot, r: WatchRates) => string;
}

const LINE_COLUMNS: LineColumn[] = [
  { group: 'launch', name: 'time', width: 8, value: (s) => formatClockUtc(s.ts) },
  { group: 'launch', name: 'clock', width: 10, value: (s) => formatLaunchClock(s.launch).replace(/^no launch\.t0$/, '—') },
  { group: 'redis', name: 'mem', width: 8, value: (s) => (s.redis ? formatBytes(s.redis.usedMemoryBytes) : '—') },
  {
    group: 'redis',
    name: 'mem%',
    width: 5,
    value: (s) => {
      // The fullest master on a cluster, as on the dashboard.
      const m = s.redis ? (fullestMaster(s.redis) ?? s.redis) : null;
      return m && m.maxmemoryBytes > 0 ? `${Math.round((m.usedMemoryBytes / m.maxmemoryBytes) * 100)}%` : '—';
    },
  },
  { group: 'redis', name: 'ops/s', width: 7, value: (_s, r) => formatRate(r.opsPerSec) },
  { group: 'redis', name: 'hit%', width: 6, value: (_s, r) => formatPercent(r.hitRatio) },
  { group: 'redis', name: 'cli', width: 4, value: (s) => formatCount(s.redis?.connectedClients) },
  { group: 'redis', name: 'evict', width: 5, value: (_s, r) => formatCount(r.evictedSinceLast) },
  { group: 'redis', name: 'oom', width: 4, value: (_s, r) => formatCount(r.oomSinceLast) },
  { group: 'redis', name: 'ping', width: 7, value: (s) => formatLatency(s.redis?.pingMs) },
  { group: 'stream', name: 'len', width: 8, value: (s) => formatCount(s.streams?.length) },
  { group: 'stream', name: 'in/s', width: 6, value: (_s, r) => formatRate(r.ingestPerSec) },
  { group: 'stream', name: 'lag', width: 6, value: (s) => (s.streams?.group ? formatCount(s.streams.group.lag) : '—') },
  { group: 'stream', name: 'pend', width: 6, value: (s) => (s.streams?.group ? formatCount(s.streams.group.pending) : '—') },
  { group: 'stream', name: 'dead', width: 5, value: (s) => formatCount(s.streams?.deadLetters) },
  { group: 'conv', name: 'users', width: 7, value: (s) => formatCount(s.conversion?.total) },
  { group: 'conv', name: 'pricing', width: 7, value: (s) => formatCount(s.conversion?.variants.pricing) },
  { group: 'warm', name: 'warm', width: 6, value: (s) => (s.warm && s.warm.total > 0 ? `${s.warm.alive}/${s.warm.total}` : '—') },
  { group: 'ph', name: 'votes', width: 6, value: (s) => formatCount(s.productHunt?.votesCount) },
  { group: 'ph', name: 'rank', width: 4, value: (s) => (s.productHunt?.rank ? `~${s.productHunt.rank}` : '—') },
];

/** The two header rows of line mode, like redis-cli --stat: group names over column names. */
export function renderLineHeader(): string {
  const groups: string[] = [];
  const names: string[] = [];
  let i = 0;
  while (i < LINE_COLUMNS.length) {
    const group = LINE_COLUMNS[i]!.group;
    const members = LINE_COLUMNS.filter((col) => col.group === group);
    const width = members.reduce((acc, col) => acc + col.width, 0) + members.length - 1;
    const label = ` ${group} `;
    const left = Math.max(0, Math.floor((width - label.length) / 2));
    groups.push(`${'-'.repeat(left)}${label}${'-'.repeat(Math.max(0, width - left - label.length))}`);
    for (const col of members) names.push(col.width > col.name.length && col.group !== 'launch' ? col.name.padStart(col.width) : col.name.padEnd(col.width));
    i += members.length;
  }
  return `${groups.join(' ')}\n${names.join(' ').trimEnd()}`;
}

/** One line per refresh; while Redis is unreachable, a "reconnecting" line instead. */
export function renderLine(snapshot: WatchSnapshot, prev?: WatchSnapshot): string {
  if (!snapshot.redis) {
    const since = snapshot.connection.since !== null ? `, ${formatDuration(snapshot.ts - snapshot.connection.since)}` : '';
    return `${formatClockUtc(snapshot.ts)} reconnecting to ${snapshot.connection.url} (${snapshot.connection.error ?? 'no answer'}${since})`;
  }
  const rates = computeRates(prev, snapshot);
  return LINE_COLUMNS.map((col) => {
    const v = col.value(snapshot, rates);
    return col.group === 'launch' ? v.padEnd(col.width) : v.padStart(col.width);
  })
    .join(' ')
    .trimEnd();
}

/** Lines between two header repeats, as in redis-cli --stat. */
export const LINE_HEADER_EVERY = 20;
