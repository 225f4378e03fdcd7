// Pure parsers for what the fact gatherers read (Redis replies themselves are
// parsed by adapters/redis-replies.ts): version strings,
// Cache-Control headers, og: meta tags, stream entry ids.
import { infoSubField } from '../../adapters/redis-replies.js';

/** Sum of `errorstat_OOM:count=N` (INFO errorstats, Redis 6.2+), or null when the section is absent. */
export function readOomRejections(info: ReadonlyMap<string, string>, hasErrorstats: boolean): number | null {
  if (!hasErrorstats) return null;
  return infoSubField(info.get('errorstat_OOM'), 'count') ?? 0;
}

/** "7.0.15" → [7, 0, 15]; missing parts are 0. */
export function parseVersion(text: string): [number, number, number] {
  const parts = text.split('.').map((p) => Number.parseInt(p, 10));
  return [parts[0] || 0, parts[1] || 0, parts[2] || 0];
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i]! - pb[i]!;
  return 0;
}

export interface CacheVerdict {
  cacheable: boolean;
  /** Why a CDN will not cache it, when it will not. */
  reason: string | null;
}

/**
 * Whether a shared cache (CDN) may keep the answer: no `no-store`, `private` or
 * `no-cache`, and a positive `s-maxage` or `max-age` (a CDN falls back to its
 * own default otherwise, which is not something to launch on).
 */
export function assessCacheControl(header: string | null): CacheVerdict {
  if (header === null || header.trim() === '') return { cacheable: false, reason: 'no Cache-Control' };
  const directives = new Map<string, string | true>();
  for (const part of header.toLowerCase().split(',')) {
    const [name, value] = part.trim().split('=', 2);
    if (name) directives.set(name.trim(), value === undefined ? true : value.trim().replace(/^"|"$/g, ''));
  }
  for (const blocker of ['no-store', 'private', 'no-cache']) {
    if (directives.has(blocker)) return { cacheable: false, reason: blocker };
  }
  const age = directives.get('s-maxage') ?? directives.get('max-age');
  if (age === undefined || age === true) return { cacheable: false, reason: 'no s-maxage or max-age' };
  if (!(Number(age) > 0)) return { cacheable: false, reason: `${directives.has('s-maxage') ? 's-maxage' : 'max-age'}=${age}` };
  return { cacheable: true, reason: null };
}

const META_RE = /<meta\b[^>]*>/gi;
const ATTR_RE = /([a-zA-Z:-]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))/g;

/** og:title and og:image of an HTML page (first of each; attribute order and quoting free). */
export function parseOgTags(html: string): { ogTitle: string | null; ogImage: string | null } {
  let ogTitle: string | null = null;
  let ogImage: string | null = null;
  for (const tag of html.match(META_RE) ?? []) {
    const attrs: Record<string, string> = {};
    for (const m of tag.matchAll(ATTR_RE)) attrs[m[1]!.toLowerCase()] = decodeEntities(m[3] ?? m[4] ?? m[5] ?? '');
    // Sites use property= (Open Graph) or name= (what many generators emit); both work for scrapers.
    const key = (attrs.property ?? attrs.name ?? '').toLowerCase();
    const content = attrs.content?.trim();
    if (!content) continue;
    if (key === 'og:title' && ogTitle === null) ogTitle = content;
    if (key === 'og:image' && ogImage === null) ogImage = content;
  }
  return { ogTitle, ogImage };
}

function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The creation time (ms) in a stream entry id "1700000000000-0". */
export function streamIdMs(id: string): number {
  return Number(id.split('-', 1)[0]);
}
