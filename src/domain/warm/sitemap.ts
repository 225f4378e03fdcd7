// Sitemap parsing (pure), safe by construction: no XML library, no DTD. A
// document that declares a DOCTYPE or ENTITY is refused outright (that is where
// "billion laughs" and external-entity attacks live), only the five predefined
// entities and numeric character references are decoded, and the caller caps
// the size before the text ever gets here.

export class SitemapError extends Error {
  override name = 'SitemapError';
}

export interface ParsedSitemap {
  /** `urlset`: pages. `index`: a sitemap index whose locs are further sitemaps. */
  kind: 'urlset' | 'index';
  locs: string[];
  /** `<priority>` of each loc (same order), null when absent or not a number in [0, 1]. */
  priorities: (number | null)[];
}

/** The sitemap protocol's priority of a URL that states none. */
export const DEFAULT_SITEMAP_PRIORITY = 0.5;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXmlText(text: string): string {
  const cdata = /^<!\[CDATA\[([\s\S]*)\]\]>$/.exec(text.trim());
  if (cdata) return cdata[1]!.trim();
  return text.trim().replace(/&(#x[0-9a-fA-F]+|#\d+|[a-zA-Z]+);/g, (whole, ref: string) => {
    if (ref.startsWith('#x')) return safeCodePoint(parseInt(ref.slice(2), 16)) ?? whole;
    if (ref.startsWith('#')) return safeCodePoint(parseInt(ref.slice(1), 10)) ?? whole;
    const named = PREDEFINED[ref];
    if (named === undefined) throw new SitemapError(`undefined entity &${ref}; (entities are not expanded)`);
    return named;
  });
}

function safeCodePoint(n: number): string | undefined {
  return Number.isInteger(n) && n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : undefined;
}

/** Parses sitemap XML (a `<urlset>` or a `<sitemapindex>`) into its `<loc>` values. */
export function parseSitemap(xml: string): ParsedSitemap {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw new SitemapError('refused: the document declares a DOCTYPE/ENTITY (sitemaps never need one; entity expansion is unsafe)');
  }
  // Comments may hide tags; drop them first.
  const body = xml.replace(/<!--[\s\S]*?-->/g, '');
  const root = /<\s*(?:[\w-]+:)?(urlset|sitemapindex)\b/i.exec(body);
  if (!root) throw new SitemapError('not a sitemap: no <urlset> or <sitemapindex> element');
  const kind = root[1]!.toLowerCase() === 'urlset' ? 'urlset' : 'index';
  const locs: string[] = [];
  const priorities: (number | null)[] = [];
  // Each <url>/<sitemap> entry, so a loc keeps its own priority; a loc outside
  // any entry (sloppy generators) still counts.
  const entryRe = /<\s*(?:[\w-]+:)?(?:url|sitemap)\s*>([\s\S]*?)<\s*\/\s*(?:[\w-]+:)?(?:url|sitemap)\s*>/gi;
  const entries = [...body.matchAll(entryRe)].map((e) => e[1]!);
  for (const entry of entries.length > 0 ? entries : [body]) {
    const locRe = /<\s*(?:[\w-]+:)?loc\s*>([\s\S]*?)<\s*\/\s*(?:[\w-]+:)?loc\s*>/gi;
    const priorityText = /<\s*(?:[\w-]+:)?priority\s*>\s*([\d.]+)\s*<\s*\/\s*(?:[\w-]+:)?priority\s*>/i.exec(entry)?.[1];
    const priority = priorityText !== undefined && Number(priorityText) >= 0 && Number(priorityText) <= 1 ? Number(priorityText) : null;
    let m: RegExpExecArray | null;
    while ((m = locRe.exec(entry)) !== null) {
      const loc = decodeXmlText(m[1]!);
      if (loc === '') continue;
      locs.push(loc);
      priorities.push(entries.length > 0 ? priority : null);
    }
  }
  return { kind, locs, priorities };
}

export interface OriginSplit {
  /** Path + query of each same-origin URL, in document order. */
  paths: string[];
  /** URLs of another origin (or not URLs at all): never warmed. */
  foreign: string[];
}

/**
 * Keeps the URLs on `origin` (scheme, host and port must match) as paths.
 * Another origin is never warmed: a sitemap must not make launchctl hit a
 * third-party host.
 */
export function splitByOrigin(locs: readonly string[], origin: string): OriginSplit {
  const want = new URL(origin).origin;
  const paths: string[] = [];
  const foreign: string[] = [];
  for (const loc of locs) {
    let url: URL;
    try {
      url = new URL(loc);
    } catch {
      foreign.push(loc);
      continue;
    }
    if (url.origin !== want) foreign.push(loc);
    else paths.push(`${url.pathname}${url.search}`);
  }
  return { paths, foreign };
}
