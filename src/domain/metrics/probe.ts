// `metrics --probe`: GETs of the launch paths at scrape time, like
// blackbox_exporter's http probe: one GET per path, all at once, each within
// the scrape's deadline. Only config paths (warm.paths) are probed, so the
// `path` label stays bounded.
import type { Dispatcher } from 'undici';
import { httpRequest } from '../../adapters/http.js';
import type { LaunchConfig } from '../../config/schema.js';
import type { ProbeObservation } from './snapshot.js';

export async function probeLaunchPaths(config: LaunchConfig, options: { timeoutMs: number; dispatcher?: Dispatcher; signal?: AbortSignal }): Promise<ProbeObservation[]> {
  const origin = config.site ? new URL(config.site.origin).origin : null;
  if (!origin) return [];
  const headers = { 'user-agent': config.site?.userAgent ?? 'launchctl-warmer', accept: 'text/html,*/*;q=0.8' };
  return Promise.all(
    config.warm.paths.map(async ({ path }): Promise<ProbeObservation> => {
      const started = performance.now();
      try {
        const res = await httpRequest({ origin, path }, { timeoutMs: options.timeoutMs, discardBody: true, dispatcher: options.dispatcher, signal: options.signal, headers });
        return { path, durationSeconds: (performance.now() - started) / 1000, success: res.status >= 200 && res.status < 400 };
      } catch {
        return { path, durationSeconds: (performance.now() - started) / 1000, success: false };
      }
    }),
  );
}
