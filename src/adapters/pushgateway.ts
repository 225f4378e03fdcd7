// Pushes an exposition to a Prometheus Pushgateway: POST to
// /metrics/job/<job>/<label>/<value>..., which replaces the families it
// carries in that group and keeps the others (so `metrics --push` and
// `checklist --push` share the launch's group without erasing each other).
import { UnreachableError } from '../errors.js';
import { maskUrl } from '../util/mask.js';
import { describeHttpError, httpRequest } from './http.js';

export interface PushTarget {
  /** The Pushgateway's base URL, e.g. http://127.0.0.1:9091. */
  url: string;
  job: string;
  /** Grouping labels after the job, in order (e.g. { launch: 'Acme' }). */
  grouping: Record<string, string>;
}

const PUSH_TIMEOUT_MS = 10_000;

/** The push URL: label values are path-encoded (an empty one would be refused by the gateway). */
export function pushUrl(target: PushTarget): string {
  const base = target.url.replace(/\/+$/, '');
  const parts = [`job/${encodeURIComponent(target.job)}`, ...Object.entries(target.grouping).map(([k, v]) => `${encodeURIComponent(k)}/${encodeURIComponent(v)}`)];
  return `${base}/metrics/${parts.join('/')}`;
}

/** Sends `exposition`; throws UnreachableError (exit 3) when the gateway cannot be reached or refuses it. */
export async function pushExposition(target: PushTarget, exposition: string, contentType: string, signal?: AbortSignal): Promise<void> {
  const url = pushUrl(target);
  const where = maskUrl(target.url);
  let status: number;
  let body: string;
  try {
    const res = await httpRequest(url, { method: 'POST', timeoutMs: PUSH_TIMEOUT_MS, headers: { 'content-type': contentType }, body: exposition, maxBodyBytes: 4096, signal });
    status = res.status;
    body = res.body.toString('utf8').trim().slice(0, 200);
  } catch (err) {
    throw new UnreachableError(`cannot push to the Pushgateway at ${where} (${describeHttpError(err)})`, undefined, { cause: err, details: ['--push takes the Pushgateway base URL, e.g. http://127.0.0.1:9091'] });
  }
  if (status < 200 || status >= 300) {
    throw new UnreachableError(`the Pushgateway at ${where} refused the push: HTTP ${status}${body ? ` ${body}` : ''}`);
  }
}
