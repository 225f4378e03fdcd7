// Whether a configured path stays on the site's origin (pure): used by config
// validation and by every reader of paths (sitemap, --paths-file, warm).

const PROBE_BASE = 'http://origin.invalid';

/**
 * The host a path reaches when resolved against site.origin, if that is
 * another host: `//other.example/x` and `/\other.example/x` (a backslash is a
 * slash in http URLs, tabs and newlines are dropped) are URLs of another host,
 * not paths. Null for a path that stays on the origin. The answer does not
 * depend on the origin, so config validation can give it without one.
 */
export function foreignHostOf(path: string): string | null {
  let url: URL;
  try {
    url = new URL(path, PROBE_BASE);
  } catch {
    return '(not a URL)';
  }
  return url.origin === PROBE_BASE ? null : url.host || url.origin;
}

/** foreignHostOf for bulk callers: paths with nothing suspicious (no leading `//`, no `\`, tab or newline) skip the URL parse. */
export function foreignHostOfFast(path: string): string | null {
  return /^[/\\][/\\]|[\\\t\n\r]|^[^/]/.test(path) ? foreignHostOf(path) : null;
}
