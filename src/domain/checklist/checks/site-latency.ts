import { percentile } from '../../../util/stats.js';
import { formatLatency } from '../../../output/format.js';
import { withFact, type CheckDefinition } from '../types.js';
import { SITE_NOT_CONFIGURED } from './site-paths.js';

export const siteLatency: CheckDefinition = {
  id: 'site.latency',
  title: 'Origin response time',
  phases: ['t-1', 't0'],
  guards: 'slow pages at the moment the spike arrives (cold ISR pages, a slow origin)',
  needs: ['site'],
  evaluate({ site, config }, t) {
    if (!config.site) return SITE_NOT_CONFIGURED;
    const expected = `p95 ≤ ${t.siteLatencyP95Ms}ms`;
    return withFact(site, expected, ({ paths }) => {
      const all = paths.flatMap((p) => p.samples.map((s) => s.latencyMs)).filter((ms): ms is number => ms !== null);
      // The first GET of a path may be a cold render; the later ones show the cached speed.
      const warm = paths.flatMap((p) => p.samples.slice(1).map((s) => s.latencyMs)).filter((ms): ms is number => ms !== null);
      if (all.length === 0) return { status: 'fail', expected, found: 'no path answered', hint: 'see site.paths' };
      const p95 = percentile(all, 95);
      const warmP95 = warm.length > 0 ? percentile(warm, 95) : p95;
      const found = `p95 ${formatLatency(p95)}${warm.length > 0 ? `, without first hits ${formatLatency(warmP95)}` : ''} (${all.length} GETs)`;
      if (p95 <= t.siteLatencyP95Ms) return { status: 'pass', expected, found };
      if (warmP95 <= t.siteLatencyP95Ms) return { status: 'warn', expected, found, hint: 'first hits are slow (cold pages): run `launchctl warm` before the launch' };
      return { status: 'fail', expected, found, hint: 'the origin is slow even when warm: cache the pages at the CDN (s-maxage) or speed up the origin' };
    });
  },
};
