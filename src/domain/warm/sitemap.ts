// Sitemap parsing, in linear time and without blocking the event loop: a
// streaming XML parser (saxes: strict XML, no DTD processing) fed in slices,
// yielding between them and checking the abort signal. Safe by construction:
// a document that declares a DOCTYPE is refused outright (that is where
// "billion laughs" and external-entity attacks live), only the five predefined
// entities and numeric character references are decoded, an undefined entity
// is refused rather than expanded, elements nest at most SITEMAP_MAX_NESTING
// deep, one file gives at most SITEMAP_MAX_LOCS URLs, and the caller caps the
// size before the text ever gets here. saxes is imported lazily: only a warm
// with a sitemap loads it.
import type * as Saxes from 'saxes';
import type { SaxesParser, SaxesTagPlain } from 'saxes';
import { InterruptedError } from '../../errors.js';

export class SitemapError extends Error {
  override name = 'SitemapError';
}

export interface ParsedSitemap {
  /** `urlset`: pages. `index`: a sitemap index whose locs are further sitemaps. */
  kind: 'urlset' | 'index';
  locs: string[];
  /** `<priority>` of each loc (same order), null when absent or not a number in [0, 1]. */
  priorities: (number | null)[];
  /** What was wrong but not fatal: not well-formed XML, too many URLs. */
  problems: string[];
}

/** The sitemap protocol's priority of a URL that states none. */
export const DEFAULT_SITEMAP_PRIORITY = 0.5;
/** The sitemap protocol's limit of URLs per file; more are ignored (and reported). */
export const SITEMAP_MAX_LOCS = 50_000;
/** Real sitemaps nest 4 deep (urlset/url/image:image/image:loc); a hostile one is stopped here. */
export const SITEMAP_MAX_NESTING = 32;
/** A <loc> longer than this is not a URL anyone serves (the protocol allows 2,048). */
const MAX_LOC_CHARS = 8192;
/** A document with more XML errors than this is garbage: refused rather than read to the end. */
const MAX_XML_ERRORS = 1000;
/** Characters parsed between two yields to the event loop (a few ms of work). */
const SLICE_CHARS = 256 * 1024;

export interface ParseSitemapOptions {
  /** Checked between slices: an abort stops the parse with InterruptedError. */
  signal?: AbortSignal;
  /** Override SITEMAP_MAX_LOCS (tests). */
  maxLocs?: number;
  /** Override the slice size (tests: cuts at every position). */
  sliceChars?: number;
}

const localName = (tag: { name: string }) => tag.name.slice(tag.name.lastIndexOf(':') + 1).toLowerCase();
const ENTRY = new Set(['url', 'sitemap']);
const ROOT = new Set(['urlset', 'sitemapindex']);

/** A `&` followed by this is a reference (entity names bounded, so the check is too). */
const REFERENCE = /(?:#[0-9]{1,10}|#x[0-9a-fA-F]{1,8}|[A-Za-z_][\w.-]{0,31});/y;
/** Longest `&...;` REFERENCE accepts, plus room: a `&` closer than this to a slice's end waits for the next slice. */
const REFERENCE_MAX = 40;
/**
 * The parser appends each character reference and each `]` inside CDATA to
 * its text one at a time: 50 MB of them would take it half a minute. No real
 * sitemap has more than a few hundred thousand, so a document with more is refused.
 */
export const SITEMAP_MAX_REFERENCES = 2_000_000;

/** Sections the prefilter passes through untouched (CDATA) or drops (comments, processing instructions), by their opening. */
const SECTIONS = [
  { open: '<![CDATA[', close: ']]>', keep: true },
  { open: '<!--', close: '-->', keep: false },
  { open: '<?', close: '?>', keep: false },
] as const;
type Section = (typeof SECTIONS)[number];
/** Longest opening: a `<` closer than this to a slice's end waits for the next slice. */
const OPEN_MAX = 9;

/**
 * Prepares slices of a document for the strict parser, in one pass (indexOf
 * and a bounded sticky regex; what a slice ends in the middle of is carried to
 * the next slice):
 * - a `&` that starts no entity or character reference (`?a=1&b=2`, common in
 *   sloppy sitemaps) becomes `&amp;`, as the old regex reader was lenient,
 *   instead of swallowing the text up to the next `;`;
 * - comments and processing instructions (the `<?xml?>` declaration too) are
 *   dropped: nothing in them matters, and the parser's handling of long ones
 *   is slow;
 * - CDATA passes untouched, its `]` counted with the references.
 */
class Prefilter {
  private section: Section | null = null;
  private carry = '';
  /** `&` outside CDATA and `]` inside it, so far. */
  private costly = 0;

  private spend(n: number) {
    this.costly += n;
    if (this.costly > SITEMAP_MAX_REFERENCES) {
      throw new SitemapError(`more than ${SITEMAP_MAX_REFERENCES} character references or CDATA brackets: not a sitemap`);
    }
  }

  /** The text of `chunk` (after what was carried) for the parser, minus what must wait for the next chunk. */
  push(chunk: string, last: boolean): string {
    const s = this.carry + chunk;
    // V8 keeps carry + chunk as a rope, and indexOf on a rope re-flattens it on
    // every call (quadratic); charCodeAt flattens it in place once.
    s.charCodeAt(0);
    this.carry = '';
    let out = '';
    let p = 0;
    // Next `&` and `<` at or after p (found again only once passed; -1: none left).
    let ampAt = -2;
    let ltAt = -2;
    while (p < s.length) {
      const section = this.section;
      if (section) {
        const close = s.indexOf(section.close, p);
        // Up to the closing marker, or (not found) to the end less what may start it.
        let upTo = close >= 0 ? close + section.close.length : s.length;
        if (close < 0 && !last) {
          for (let k = section.close.length - 1; k > 0; k--) {
            if (s.endsWith(section.close.slice(0, k))) {
              upTo = s.length - k;
              break;
            }
          }
        }
        if (section.keep) {
          let n = 0;
          for (let i = s.indexOf(']', p); i >= 0 && i < upTo; i = s.indexOf(']', i + 1)) n++;
          this.spend(n);
          out += s.slice(p, upTo);
        }
        if (close < 0) {
          this.carry = s.slice(upTo);
          return out;
        }
        this.section = null;
        p = upTo;
        continue;
      }
      if (ampAt !== -1 && ampAt < p) ampAt = s.indexOf('&', p);
      if (ltAt !== -1 && ltAt < p) ltAt = s.indexOf('<', p);
      const next = ampAt < 0 ? ltAt : ltAt < 0 ? ampAt : Math.min(ampAt, ltAt);
      if (next < 0) {
        out += s.slice(p);
        return out;
      }
      out += s.slice(p, next);
      if (!last && s.length - next < (next === ampAt ? REFERENCE_MAX : OPEN_MAX)) {
        this.carry = s.slice(next);
        return out;
      }
      if (next === ampAt) {
        this.spend(1);
        REFERENCE.lastIndex = next + 1;
        out += REFERENCE.test(s) ? '&' : '&amp;';
        p = next + 1;
        continue;
      }
      const opened = SECTIONS.find((sec) => s.startsWith(sec.open, next));
      if (opened) {
        this.section = opened;
        if (opened.keep) out += opened.open;
        p = next + opened.open.length;
      } else {
        out += '<';
        p = next + 1;
      }
    }
    return out;
  }
}

let saxesModule: Promise<typeof Saxes> | undefined;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Parses sitemap XML (a `<urlset>` or a `<sitemapindex>`) into its `<loc>` values. */
export async function parseSitemap(xml: string, options: ParseSitemapOptions = {}): Promise<ParsedSitemap> {
  const { SaxesParser } = await (saxesModule ??= import('saxes'));
  const maxLocs = options.maxLocs ?? SITEMAP_MAX_LOCS;
  const parser: SaxesParser = new SaxesParser({ xmlns: false, position: true });

  let kind: ParsedSitemap['kind'] | null = null;
  const locs: string[] = [];
  const priorities: (number | null)[] = [];
  // Locs of the entry being read (its <priority> may come after them), and
  // locs outside any entry (sloppy generators): those count only in a file
  // with no entries at all, as before.
  let entry: { locs: string[]; priority: number | null; sawPriority: boolean } | null = null;
  let entries = 0;
  const loose: string[] = [];
  let overLimit = 0;
  let tooLong = 0;
  let errors = 0;
  let firstError = '';

  // Element names open, innermost last (local names, lower-cased).
  const open: string[] = [];
  let capture: 'loc' | 'priority' | null = null;
  let captureDepth = 0;
  let text = '';

  const addLoc = (loc: string, priority: number | null) => {
    if (locs.length >= maxLocs) {
      overLimit++;
      return;
    }
    locs.push(loc);
    priorities.push(priority);
  };

  parser.on('doctype', () => {
    throw new SitemapError('refused: the document declares a DOCTYPE/ENTITY (sitemaps never need one; entity expansion is unsafe)');
  });
  parser.on('error', (err) => {
    if (/undefined entity/.test(err.message)) {
      throw new SitemapError(`${err.message.replace(/\.$/, '')} (entities are not expanded)`);
    }
    errors++;
    firstError ||= err.message.replace(/\.$/, '');
    if (errors > MAX_XML_ERRORS) throw new SitemapError(`not well-formed XML: more than ${MAX_XML_ERRORS} errors, the first at ${firstError}`);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const name = localName(tag);
    const parent = open[open.length - 1];
    open.push(name);
    if (open.length > SITEMAP_MAX_NESTING) {
      throw new SitemapError(`elements nested deeper than ${SITEMAP_MAX_NESTING} (line ${parser.line}): not a sitemap`);
    }
    if (kind === null && ROOT.has(name)) kind = name === 'urlset' ? 'urlset' : 'index';
    if (ENTRY.has(name) && capture === null) {
      entry = { locs: [], priority: null, sawPriority: false };
      entries++;
      return;
    }
    // A page's own <loc> and <priority>, not those of its images or videos (image:loc).
    if (capture === null && (name === 'loc' || name === 'priority') && parent !== undefined && (ENTRY.has(parent) || ROOT.has(parent))) {
      capture = name;
      captureDepth = open.length;
      text = '';
    }
  });
  const onText = (t: string) => {
    if (capture === null) return;
    if (text.length + t.length > MAX_LOC_CHARS) text = text.length > MAX_LOC_CHARS ? text : `${text}${t}`.slice(0, MAX_LOC_CHARS + 1);
    else text += t;
  };
  parser.on('text', onText);
  parser.on('cdata', onText);
  parser.on('closetag', () => {
    const name = open.pop();
    if (capture !== null && open.length === captureDepth - 1) {
      const value = text.trim();
      if (capture === 'loc') {
        if (value.length > MAX_LOC_CHARS) tooLong++;
        else if (value !== '') {
          if (entry) entry.locs.push(value);
          else loose.push(value);
        }
      } else if (entry && !entry.sawPriority) {
        entry.sawPriority = true;
        const n = /^[\d.]+$/.test(value) ? Number(value) : NaN;
        entry.priority = n >= 0 && n <= 1 ? n : null;
      }
      capture = null;
      text = '';
      return;
    }
    if (name !== undefined && ENTRY.has(name) && entry && capture === null) {
      const done: { locs: string[]; priority: number | null } = entry;
      for (const loc of done.locs) addLoc(loc, done.priority);
      entry = null;
    }
  });

  const prefilter = new Prefilter();
  try {
    const step = options.sliceChars ?? SLICE_CHARS;
    for (let i = 0; i < xml.length; i += step) {
      if (options.signal?.aborted) throw new InterruptedError();
      const last = i + step >= xml.length;
      parser.write(prefilter.push(xml.slice(i, i + step), last));
      if (!last) await yieldToEventLoop();
    }
    if (options.signal?.aborted) throw new InterruptedError();
    parser.close();
  } catch (err) {
    if (err instanceof SitemapError || err instanceof InterruptedError) throw err;
    // saxes throws only from our handlers, or for an error without a handler (none here).
    throw new SitemapError(`cannot be parsed (${err instanceof Error ? err.message : String(err)})`);
  }
  if (kind === null) throw new SitemapError('not a sitemap: no <urlset> or <sitemapindex> element');
  if (entries === 0) for (const loc of loose) addLoc(loc, null);

  const problems: string[] = [];
  if (errors > 0) problems.push(`not well-formed XML (${errors} error${errors === 1 ? '' : 's'}, the first at ${firstError}): kept the ${locs.length} URL${locs.length === 1 ? '' : 's'} of complete entries`);
  if (overLimit > 0) problems.push(`more than ${maxLocs} URLs (the sitemap protocol's limit per file): ${overLimit} ignored`);
  if (tooLong > 0) problems.push(`${tooLong} <loc> longer than ${MAX_LOC_CHARS} characters ignored`);
  return { kind, locs, priorities, problems };
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
    // A pathname starting with // would name another host once used as a path.
    if (url.origin !== want || url.pathname.startsWith('//')) foreign.push(loc);
    else paths.push(`${url.pathname}${url.search}`);
  }
  return { paths, foreign };
}
