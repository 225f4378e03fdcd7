// Which paths a warm run covers (pure): config paths, sitemap paths and
// --paths-file lines merged in that order, deduplicated (the first TTL wins,
// so a path listed in warm.paths keeps its own TTL), narrowed by --exclude
// globs and --limit.
import { UsageError } from '../../errors.js';
import { foreignHostOf, foreignHostOfFast } from '../../util/url.js';

export { foreignHostOf, foreignHostOfFast };

export type PathSource = 'config' | 'sitemap' | 'file';

/**
 * `path` on `origin` as a URL string, or null when it would resolve to
 * another origin. Every probe of the site builds its URL through this, so no
 * path from a config, a file or a library caller makes launchctl leave the site.
 */
export function urlOnOrigin(origin: string, path: string): string | null {
  const base = new URL(origin);
  let url: URL;
  try {
    url = new URL(path, base);
  } catch {
    return null;
  }
  return url.origin === base.origin ? url.toString() : null;
}

export interface WarmTarget {
  path: string;
  /** TTL in seconds before factor and jitter. */
  ttl: number;
  source: PathSource;
}

export interface PathSelection {
  targets: WarmTarget[];
  /** Paths dropped by --exclude. */
  excluded: number;
  /** Paths dropped by --limit. */
  overLimit: number;
  duplicates: number;
}

/** Lines of a --paths-file: one path per line, `#` comments and blank lines ignored, full URLs accepted. */
export function parsePathsFile(text: string, file = '--paths-file'): string[] {
  const out: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.startsWith('/')) {
      const host = foreignHostOf(line);
      if (host !== null) throw new UsageError(`${file}:${i + 1}: "${line.slice(0, 80)}" resolves to another host (${host}): expected a path on site.origin`);
      out.push(line);
      return;
    }
    try {
      const url = new URL(line);
      out.push(`${url.pathname}${url.search}`);
    } catch {
      throw new UsageError(`${file}:${i + 1}: expected a path starting with / (or a full URL), received "${line.slice(0, 80)}"`);
    }
  });
  return out;
}

/**
 * A glob as a RegExp over a path: `**` matches across `/`, `*` within one
 * segment, `?` one character. A pattern without a leading `/` matches
 * anywhere after a `/` (so `*.xml` excludes `/feeds/a.xml`).
 */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` also matches no folder at all: /blog/**/draft matches /blog/draft.
      const slash = pattern[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(pattern.startsWith('/') ? `^${re}$` : `(?:^|/)${re}$`);
}

export interface SelectOptions {
  exclude?: readonly string[];
  limit?: number;
}

export function selectWarmTargets(sources: readonly WarmTarget[][], options: SelectOptions = {}): PathSelection {
  const seen = new Set<string>();
  const matchers = (options.exclude ?? []).map(globToRegExp);
  const targets: WarmTarget[] = [];
  let excluded = 0;
  let duplicates = 0;
  for (const list of sources) {
    for (const t of list) {
      if (seen.has(t.path)) {
        duplicates++;
        continue;
      }
      seen.add(t.path);
      const pathOnly = t.path.split('?')[0]!;
      if (matchers.some((m) => m.test(pathOnly))) {
        excluded++;
        continue;
      }
      targets.push(t);
    }
  }
  const limit = options.limit ?? Infinity;
  const overLimit = Math.max(0, targets.length - limit);
  return { targets: targets.slice(0, limit), excluded, overLimit, duplicates };
}
