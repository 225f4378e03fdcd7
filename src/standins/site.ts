// A stand-in for the launched site, on 127.0.0.1: behaves like a Next.js ISR
// deployment (first hit per path slow while it "renders", later hits fast with
// `x-nextjs-cache: HIT`, STALE after its TTL while it regenerates in the
// background), serves a sitemap (plain, gzipped, or as an index) and a
// revalidation endpoint that checks the bearer secret. Knobs make it fail the
// way real sites do: 5xx a few times, 404, slow answers, bodies trickling in,
// redirects.
// Used by the tests and by `launchctl rehearse`.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { sleep } from '../util/sleep.js';

export const DEFAULT_SITE_PATHS = [
  '/',
  '/pricing',
  '/features',
  '/signup',
  '/login',
  '/blog',
  '/blog/launch-day',
  '/blog/how-we-built-it',
  '/docs',
  '/docs/getting-started',
  '/docs/api',
  '/changelog',
  '/about',
  '/customers',
  '/integrations',
  '/security',
];

export interface SiteStandInOptions {
  /** Pages that exist (default DEFAULT_SITE_PATHS). Anything else is 404. */
  paths?: string[];
  /** How long the first render of a path takes (ms), or a function of the path. Default 200. */
  renderMs?: number | ((path: string) => number);
  /** ISR revalidate period: a page older than this is served STALE and regenerated. Default 60 s. */
  isrTtlMs?: number;
  /** Bearer secret of the revalidation endpoint (default: random). */
  revalidateSecret?: string;
  sitemap?: {
    /** Serve the sitemap gzipped (at /sitemap.xml.gz). */
    gzip?: boolean;
    /** Split into child sitemaps of this many URLs under a sitemap index. */
    perFile?: number;
    /** Extra <loc> values, e.g. URLs of another origin. */
    extraLocs?: string[];
    /** <priority> per path. */
    priorities?: Record<string, number>;
  };
  /** Answer `status` (default 503) to the first `times` GETs of a path. */
  failures?: Record<string, { times: number; status?: number }>;
  /** Always answer this status for a path (e.g. 404, 500). */
  statusFor?: Record<string, number>;
  /** Extra delay (ms) for every GET of a path, on top of rendering. */
  slowMs?: Record<string, number>;
  /**
   * Send the answer of a path (a page or a sitemap file) in `chunks` pieces
   * (default 12) `everyMs` apart: a trickling origin that is never idle long
   * enough for an idle timeout to fire.
   */
  trickle?: Record<string, { everyMs: number; chunks?: number }>;
  /** 301 from a path to a location. */
  redirects?: Record<string, string>;
  /** Cache-status header name (default x-nextjs-cache). */
  cacheHeader?: string;
  /** Bytes of HTML per page (default 4 KiB). */
  pageBytes?: number;
  port?: number;
}

export interface SiteRequest {
  method: string;
  path: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface RevalidateCall {
  authorized: boolean;
  paths: string[];
  status: number;
}

export interface SiteStandIn {
  origin: string;
  sitemapUrl: string;
  revalidateUrl: string;
  revalidateSecret: string;
  paths: string[];
  requests: SiteRequest[];
  revalidateCalls: RevalidateCall[];
  /** GETs of a path (or of every page). */
  requestCount(path?: string): number;
  /** Renders done for a path (or all). */
  renderCount(path?: string): number;
  /** Most page requests in flight at once so far (to check a client's concurrency bound). */
  maxInFlight(): number;
  /** Back to the state at start: no page rendered, the `failures` knobs armed again. */
  reset(): void;
  stop(): Promise<void>;
}

interface CachedPage {
  generatedAt: number;
}


function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);
}

function urlset(locs: string[], priorityOf: (loc: string) => number | undefined): string {
  const entry = (l: string) => {
    const p = priorityOf(l);
    return `  <url><loc>${escapeXml(l)}</loc>${p === undefined ? '' : `<priority>${p}</priority>`}</url>`;
  };
  return `<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs.map(entry).join('\n')}\n</urlset>\n`;
}

function sitemapIndex(locs: string[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n${locs.map((l) => `  <sitemap><loc>${escapeXml(l)}</loc></sitemap>`).join('\n')}\n</sitemapindex>\n`;
}

export async function startSiteStandIn(options: SiteStandInOptions = {}): Promise<SiteStandIn> {
  const pages = new Set(options.paths ?? DEFAULT_SITE_PATHS);
  const renderMs = options.renderMs ?? 200;
  const isrTtlMs = options.isrTtlMs ?? 60_000;
  const secret = options.revalidateSecret ?? randomBytes(16).toString('hex');
  const cacheHeader = options.cacheHeader ?? 'x-nextjs-cache';
  const html = (path: string) => {
    const head = `<!doctype html><html><head><title>${escapeXml(path)}</title></head><body><h1>${escapeXml(path)}</h1>`;
    return `${head}${'<p>launch</p>'.repeat(Math.max(0, Math.floor(((options.pageBytes ?? 4096) - head.length) / 13)))}</body></html>`;
  };
  const cache = new Map<string, CachedPage>();
  const rendering = new Map<string, Promise<void>>();
  const armFailures = () => new Map(Object.entries(options.failures ?? {}).map(([p, f]) => [p, f.times]));
  let failuresLeft = armFailures();
  const gets = new Map<string, number>();
  const renders = new Map<string, number>();
  const requests: SiteRequest[] = [];
  const revalidateCalls: RevalidateCall[] = [];
  let origin = '';
  let inFlight = 0;
  let maxInFlight = 0;

  // One render per path at a time, as ISR does: concurrent first hits wait for the same render.
  const render = (path: string): Promise<void> => {
    let inflight = rendering.get(path);
    if (!inflight) {
      const ms = typeof renderMs === 'function' ? renderMs(path) : renderMs;
      inflight = sleep(ms).then(() => {
        cache.set(path, { generatedAt: Date.now() });
        renders.set(path, (renders.get(path) ?? 0) + 1);
        rendering.delete(path);
      });
      rendering.set(path, inflight);
    }
    return inflight;
  };

  const sitemapFiles = (): Map<string, Buffer> => {
    const locs = [...pages].map((p) => `${origin}${p}`).concat(options.sitemap?.extraLocs ?? []);
    const gz = options.sitemap?.gzip === true;
    const encode = (xml: string) => (gz ? gzipSync(xml) : Buffer.from(xml));
    const ext = gz ? '.xml.gz' : '.xml';
    const files = new Map<string, Buffer>();
    const priorities = options.sitemap?.priorities ?? {};
    const priorityOf = (loc: string) => (loc.startsWith(origin) ? priorities[loc.slice(origin.length)] : undefined);
    const perFile = options.sitemap?.perFile;
    if (perFile && perFile > 0) {
      const children: string[] = [];
      for (let i = 0; i * perFile < locs.length; i++) {
        const name = `/sitemaps/${i}${ext}`;
        children.push(`${origin}${name}`);
        files.set(name, encode(urlset(locs.slice(i * perFile, (i + 1) * perFile), priorityOf)));
      }
      files.set(`/sitemap${ext}`, encode(sitemapIndex(children)));
    } else {
      files.set(`/sitemap${ext}`, encode(urlset(locs, priorityOf)));
    }
    return files;
  };

  /** Writes `body` slowly when the path trickles, else at once. */
  const send = async (res: ServerResponse, path: string, status: number, headers: Record<string, string | number>, body: Buffer | string | undefined) => {
    const trickle = options.trickle?.[path];
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    if (!trickle || !bytes || bytes.length === 0) {
      res.writeHead(status, headers).end(body);
      return;
    }
    res.writeHead(status, { ...headers, 'content-length': bytes.length });
    const size = Math.ceil(bytes.length / Math.max(1, Math.min(trickle.chunks ?? 12, bytes.length)));
    for (let i = 0; i < bytes.length && !res.destroyed; i += size) {
      if (i > 0) await sleep(trickle.everyMs);
      res.write(bytes.subarray(i, i + size));
    }
    res.end();
  };

  const readBody = async (req: IncomingMessage): Promise<string> => {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    return Buffer.concat(chunks).toString('utf8');
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<number> => {
    const url = new URL(req.url ?? '/', origin);
    const path = `${url.pathname}${url.search}`;
    if (req.method === 'POST' && url.pathname === '/api/revalidate') {
      const body = await readBody(req);
      const authorized = req.headers.authorization === `Bearer ${secret}`;
      let paths: string[] = [];
      try {
        const parsed = JSON.parse(body) as { paths?: unknown };
        if (Array.isArray(parsed.paths)) paths = parsed.paths.filter((p): p is string => typeof p === 'string');
      } catch {
        // recorded with no paths
      }
      const status = authorized ? 200 : 401;
      revalidateCalls.push({ authorized, paths, status });
      if (authorized) await Promise.all(paths.filter((p) => pages.has(p)).map(render));
      await send(res, url.pathname, status, { 'content-type': 'application/json' }, JSON.stringify(authorized ? { revalidated: true, paths, now: Date.now() } : { message: 'Invalid token' }));
      return status;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return 405;
    }
    const files = sitemapFiles();
    const file = files.get(url.pathname);
    if (file) {
      await send(res, url.pathname, 200, { 'content-type': url.pathname.endsWith('.gz') ? 'application/gzip' : 'application/xml', 'content-length': file.length }, file);
      return 200;
    }
    gets.set(path, (gets.get(path) ?? 0) + 1);
    const slow = options.slowMs?.[path];
    if (slow) await sleep(slow);
    const redirect = options.redirects?.[path];
    if (redirect) {
      res.writeHead(301, { location: redirect }).end();
      return 301;
    }
    const left = failuresLeft.get(path) ?? 0;
    if (left > 0) {
      failuresLeft.set(path, left - 1);
      const status = options.failures?.[path]?.status ?? 503;
      res.writeHead(status, { 'content-type': 'text/plain' }).end('upstream busy');
      return status;
    }
    const fixed = options.statusFor?.[path];
    if (fixed) {
      res.writeHead(fixed, { 'content-type': 'text/plain' }).end(`status ${fixed}`);
      return fixed;
    }
    if (!pages.has(path)) {
      res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>404</h1>');
      return 404;
    }
    let status = 'HIT';
    const cached = cache.get(path);
    if (!cached) {
      await render(path);
      status = 'MISS';
    } else if (Date.now() - cached.generatedAt > isrTtlMs) {
      status = 'STALE';
      void render(path);
    }
    const page = cache.get(path)!;
    const body = html(path);
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      [cacheHeader]: status,
      age: String(Math.floor((Date.now() - page.generatedAt) / 1000)),
      'cache-control': `s-maxage=${Math.round(isrTtlMs / 1000)}, stale-while-revalidate`,
    };
    await send(res, path, 200, headers, req.method === 'HEAD' ? undefined : body);
    return 200;
  };

  const server = createServer((req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    handle(req, res)
      .then(
        (status) => void requests.push({ method: req.method ?? 'GET', path: req.url ?? '/', status, headers: req.headers }),
        () => {
          if (!res.headersSent) res.writeHead(500);
          res.end();
        },
      )
      .finally(() => inFlight--);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const sitemapName = options.sitemap?.gzip ? '/sitemap.xml.gz' : '/sitemap.xml';

  let stopped = false;
  return {
    origin,
    sitemapUrl: `${origin}${sitemapName}`,
    revalidateUrl: `${origin}/api/revalidate`,
    revalidateSecret: secret,
    paths: [...pages],
    requests,
    revalidateCalls,
    requestCount: (path) => (path === undefined ? [...gets.values()].reduce((a, b) => a + b, 0) : (gets.get(path) ?? 0)),
    renderCount: (path) => (path === undefined ? [...renders.values()].reduce((a, b) => a + b, 0) : (renders.get(path) ?? 0)),
    maxInFlight: () => maxInFlight,
    reset: () => {
      cache.clear();
      failuresLeft = armFailures();
    },
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
