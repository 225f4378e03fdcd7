// Where warm's inputs come from (I/O): sitemaps over HTTP, --paths-file, and
// the engagement day streams that --predictive counts. Each reader bounds its
// work: sitemap bytes, depth and count; stream entries sampled.
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { Dispatcher } from 'undici';
import { describeHttpError, httpRequest } from '../../adapters/http.js';
import type { RedisClient } from '../../adapters/redis.js';
import { replyErrorCode } from '../../adapters/redis-errors.js';
import { InterruptedError, UnreachableError, UsageError, errorCode } from '../../errors.js';
import { utcDay, type Keys } from '../../keys.js';
import { DEFAULT_SITEMAP_PRIORITY, SitemapError, parseSitemap, splitByOrigin } from './sitemap.js';
import { parsePathsFile } from './paths.js';

/** The sitemap protocol caps one file at 50 MB uncompressed; so do we, compressed or not. */
export const SITEMAP_MAX_BYTES = 50 * 1024 * 1024;
/** An index of indexes of sitemaps is the deepest real sites go. */
export const SITEMAP_MAX_DEPTH = 3;
export const SITEMAP_MAX_FILES = 100;

export interface SitemapReadOptions {
  /** site.origin: only its URLs are warmed. */
  origin: string;
  /** Folder a sitemap given as a file path is read from. */
  cwd?: string;
  timeoutMs: number;
  userAgent: string;
  dispatcher?: Dispatcher;
  signal?: AbortSignal;
  maxBytes?: number;
}

export interface SitemapPaths {
  paths: string[];
  /** URLs of other origins, never warmed. */
  foreign: number;
  /** Sitemap files read. */
  files: number;
  /** Child sitemaps that could not be read or parsed, and limits hit. */
  problems: string[];
}

const gunzipAsync = promisify(gunzip);

/** Off the main thread (zlib's pool): Ctrl-C stays responsive while 50 MB inflate. */
async function decodeSitemapBody(body: Buffer, maxBytes: number): Promise<string> {
  // gzip by magic number, not by file name or content-type: servers get those wrong.
  if (body.length >= 2 && body[0] === 0x1f && body[1] === 0x8b) {
    try {
      return (await gunzipAsync(body, { maxOutputLength: maxBytes })).toString('utf8');
    } catch (err) {
      if (errorCode(err) === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new SitemapError(`larger than ${Math.round(maxBytes / 1048576)} MB once decompressed`);
      }
      throw new SitemapError(`not valid gzip (${errorCode(err) ?? String(err)})`);
    }
  }
  return body.toString('utf8');
}

/** A sitemap source that is not an http(s) URL is a file on disk (as cache-warmup allows). */
export const isSitemapUrl = (source: string) => /^https?:\/\//i.test(source);

async function readSitemapFile(file: string, options: SitemapReadOptions): Promise<string> {
  const maxBytes = options.maxBytes ?? SITEMAP_MAX_BYTES;
  const path = resolve(options.cwd ?? process.cwd(), file);
  let body: Buffer;
  try {
    if ((await stat(path)).size > maxBytes) throw new SitemapError(`larger than ${Math.round(maxBytes / 1048576)} MB`);
    body = await readFile(path);
  } catch (err) {
    if (err instanceof SitemapError) throw err;
    throw new UsageError(`--sitemap: cannot read ${file} (${errorCode(err) ?? String(err)})`);
  }
  return decodeSitemapBody(body, maxBytes);
}

async function fetchSitemap(url: string, options: SitemapReadOptions): Promise<string> {
  if (!isSitemapUrl(url)) return readSitemapFile(url, options);
  const maxBytes = options.maxBytes ?? SITEMAP_MAX_BYTES;
  let res;
  try {
    res = await httpRequest(url, {
      timeoutMs: options.timeoutMs,
      maxBodyBytes: maxBytes,
      dispatcher: options.dispatcher,
      signal: options.signal,
      headers: { 'user-agent': options.userAgent, accept: 'application/xml, text/xml, */*' },
    });
  } catch (err) {
    throw new UnreachableError(`cannot read sitemap ${url} (${describeHttpError(err)})`, errorCode(err), { cause: err });
  }
  if (res.status !== 200) throw new UnreachableError(`cannot read sitemap ${url} (HTTP ${res.status})`);
  if (res.truncated) throw new SitemapError(`larger than ${Math.round(maxBytes / 1048576)} MB`);
  return decodeSitemapBody(res.body, maxBytes);
}

/**
 * Reads a sitemap or sitemap index, from a URL or a file (recursively, to SITEMAP_MAX_DEPTH) and
 * returns the same-origin paths. The top-level sitemap failing is an error
 * (exit 3 unreachable, exit 2 unparseable); a child failing is a problem noted
 * in the result, and the rest is still warmed.
 */
export async function readSitemapPaths(url: string, options: SitemapReadOptions): Promise<SitemapPaths> {
  const result: SitemapPaths = { paths: [], foreign: 0, files: 0, problems: [] };
  const seen = new Set<string>();
  const ranked: { path: string; priority: number; order: number }[] = [];
  const allowedSitemapOrigins = new Set([new URL(options.origin).origin, ...(isSitemapUrl(url) ? [new URL(url).origin] : [])]);
  const visit = async (target: string, depth: number): Promise<void> => {
    if (seen.has(target)) return;
    seen.add(target);
    if (result.files >= SITEMAP_MAX_FILES) {
      result.problems.push(`${target}: not read, more than ${SITEMAP_MAX_FILES} sitemap files`);
      return;
    }
    result.files++;
    let parsed;
    try {
      parsed = await parseSitemap(await fetchSitemap(target, options), { signal: options.signal });
    } catch (err) {
      if (err instanceof InterruptedError || options.signal?.aborted) throw err instanceof InterruptedError ? err : new InterruptedError();
      const message = err instanceof SitemapError ? `sitemap ${target}: ${err.message}` : err instanceof Error ? err.message : String(err);
      if (depth === 0) throw err instanceof SitemapError ? new UsageError(message) : err;
      result.problems.push(message);
      return;
    }
    result.problems.push(...parsed.problems.map((p) => `${target}: ${p}`));
    if (parsed.kind === 'urlset') {
      parsed.locs.forEach((loc, i) => {
        const split = splitByOrigin([loc], options.origin);
        if (split.paths.length === 0) result.foreign++;
        else ranked.push({ path: split.paths[0]!, priority: parsed.priorities[i] ?? DEFAULT_SITEMAP_PRIORITY, order: ranked.length });
      });
      return;
    }
    if (depth + 1 > SITEMAP_MAX_DEPTH) {
      result.problems.push(`${target}: sitemap index nested deeper than ${SITEMAP_MAX_DEPTH}, not followed`);
      return;
    }
    for (const child of parsed.locs) {
      let childOrigin: string;
      try {
        childOrigin = new URL(child).origin;
      } catch {
        result.problems.push(`${target}: "${child.slice(0, 80)}" is not a URL`);
        continue;
      }
      if (!allowedSitemapOrigins.has(childOrigin)) {
        result.foreign++;
        continue;
      }
      await visit(child, depth + 1);
    }
  };
  await visit(url, 0);
  // Highest <priority> first, document order among equals: with --limit, the
  // pages the site itself marks most important are the ones warmed.
  ranked.sort((a, b) => b.priority - a.priority || a.order - b.order);
  result.paths = ranked.map((r) => r.path);
  return result;
}

/** Reads --paths-file (relative to cwd). */
export async function readPathsFile(file: string, cwd: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), 'utf8');
  } catch (err) {
    throw new UsageError(`--paths-file: cannot read ${file} (${errorCode(err) ?? String(err)})`);
  }
  return parsePathsFile(text, file);
}

export interface EngagementCounts {
  /** Events per payload.path inside the window; null when the streams could not be read. */
  counts: Map<string, number> | null;
  /** Entries read. */
  sampled: number;
  /** True when the sample cap was reached: counts are from the newest entries only. */
  capped: boolean;
  note: string | null;
}

export interface ReadEngagementOptions {
  windowMs: number;
  now: number;
  /** Entries read at most across all day streams, newest first. */
  maxEntries?: number;
}

export const ENGAGEMENT_SAMPLE_MAX = 100_000;
const XRANGE_PAGE = 1000;

/** Path of one stream entry's payload, without query or fragment, or null. */
function entryPath(fields: string[]): string | null {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== 'payload') continue;
    try {
      const payload = JSON.parse(fields[i + 1]!) as { path?: unknown };
      if (typeof payload?.path === 'string' && payload.path.startsWith('/')) return payload.path.split(/[?#]/)[0]!;
    } catch {
      return null;
    }
  }
  return null;
}

/**
 * Counts events per `payload.path` in the day streams inside the window, newest
 * first (XREVRANGE by time IDs, in pages), reading at most `maxEntries` so a
 * launch-day stream of millions costs a bounded, known amount of work.
 */
export async function readEngagementCounts(redis: RedisClient, keys: Keys, options: ReadEngagementOptions): Promise<EngagementCounts> {
  const maxEntries = options.maxEntries ?? ENGAGEMENT_SAMPLE_MAX;
  const startMs = Math.max(0, options.now - options.windowMs);
  const days: string[] = [];
  for (let day = utcDay(options.now); day >= utcDay(startMs); day = utcDay(Date.parse(`${day}T00:00:00Z`) - 1)) days.push(day);
  const counts = new Map<string, number>();
  let sampled = 0;
  try {
    for (const day of days) {
      let end = '+';
      while (sampled < maxEntries) {
        const page = (await redis.xrevrange(keys.engagementStream(day), end, `${startMs}-0`, 'COUNT', Math.min(XRANGE_PAGE, maxEntries - sampled))) as [string, string[]][];
        for (const [, fields] of page) {
          const path = entryPath(fields);
          if (path !== null) counts.set(path, (counts.get(path) ?? 0) + 1);
        }
        sampled += page.length;
        if (page.length < XRANGE_PAGE) break;
        end = `(${page[page.length - 1]![0]}`;
      }
      if (sampled >= maxEntries) break;
    }
  } catch (err) {
    const code = replyErrorCode(err);
    if (code === undefined) throw err;
    return { counts: null, sampled, capped: false, note: `could not read the engagement streams (${code})` };
  }
  const capped = sampled >= maxEntries;
  return { counts, sampled, capped, note: capped ? `sampled the newest ${maxEntries} events of the window` : null };
}
