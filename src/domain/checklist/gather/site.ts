// Site facts: a few GETs of each launch path (status, Cache-Control, latency),
// the landing page's og: tags, and the origin's TLS certificate.
import type { Dispatcher } from 'undici';
import { describeHttpError, httpRequest } from '../../../adapters/http.js';
import { readPeerCertificate } from '../../../adapters/tls.js';
import { urlOnOrigin } from '../../warm/paths.js';
import { parseOgTags } from '../parse.js';
import type { PathProbe, SiteFacts, SocialFacts, TlsFacts } from '../types.js';

/** The landing page is read up to this size for its <head> (og: tags). */
const LANDING_MAX_BYTES = 2 * 1024 * 1024;

export interface SiteProbeOptions {
  origin: string;
  userAgent: string;
  timeoutMs: number;
  dispatcher: Dispatcher;
  signal: AbortSignal;
}

async function probePath(path: string, samples: number, o: SiteProbeOptions): Promise<PathProbe> {
  const probe: PathProbe = { path, samples: [], cacheControl: null };
  // Checked again here (config validation refuses such paths): never probe another host.
  const url = urlOnOrigin(o.origin, path);
  if (url === null) {
    probe.samples.push({ status: null, latencyMs: null, error: `not requested: ${path.slice(0, 80)} resolves outside ${new URL(o.origin).origin}` });
    return probe;
  }
  for (let i = 0; i < samples && !o.signal.aborted; i++) {
    try {
      const res = await httpRequest(url, { timeoutMs: o.timeoutMs, dispatcher: o.dispatcher, signal: o.signal, headers: { 'user-agent': o.userAgent, accept: 'text/html,*/*' } });
      if (i === 0) probe.cacheControl = res.headers['cache-control'] ?? null;
      probe.samples.push({ status: res.status, latencyMs: res.latencyMs });
    } catch (err) {
      probe.samples.push({ status: null, latencyMs: null, error: describeHttpError(err) });
      break;
    }
  }
  return probe;
}

/** GETs each path `samples` times (sequentially per path, `concurrency` paths at once). */
export async function readSiteFacts(paths: string[], samples: number, concurrency: number, o: SiteProbeOptions): Promise<SiteFacts> {
  const results: PathProbe[] = new Array<PathProbe>(paths.length);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      results[i] = await probePath(paths[i]!, samples, o);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return { origin: o.origin, paths: results };
}

export async function readSocialFacts(o: SiteProbeOptions): Promise<SocialFacts> {
  const url = new URL('/', o.origin).toString();
  const res = await httpRequest(url, { timeoutMs: o.timeoutMs, dispatcher: o.dispatcher, signal: o.signal, maxBodyBytes: LANDING_MAX_BYTES, headers: { 'user-agent': o.userAgent, accept: 'text/html' } });
  return { url, status: res.status, ...parseOgTags(res.body.toString('utf8')) };
}

export async function readTlsFacts(origin: string, timeoutMs: number, signal: AbortSignal): Promise<TlsFacts> {
  const u = new URL(origin);
  const host = u.hostname.replace(/^\[|\]$/g, '');
  const cert = await readPeerCertificate({ host, port: u.port ? Number(u.port) : 443, timeoutMs, signal });
  return { host, validTo: cert.validTo, authorized: cert.authorized, authorizationError: cert.authorizationError };
}
