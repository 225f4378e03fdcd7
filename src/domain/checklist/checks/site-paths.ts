import { assessCacheControl } from '../parse.js';
import { launchPaths, withFact, type CheckDefinition, type Outcome } from '../types.js';

export const SITE_NOT_CONFIGURED: Outcome = { status: 'skip', expected: 'site configured', found: 'site is not configured', hint: 'set site.origin to check the site' };

export const sitePaths: CheckDefinition = {
  id: 'site.paths',
  title: 'Launch paths answer and are cacheable',
  phases: ['t-7', 't-1', 't0'],
  guards: 'a launch path that errors, redirects, or that the CDN will not cache (every visitor hits the origin)',
  needs: ['site'],
  evaluate({ site, config }) {
    if (!config.site) return SITE_NOT_CONFIGURED;
    const expected = `${launchPaths(config).length} path(s) 2xx with Cache-Control s-maxage/max-age`;
    return withFact(site, expected, ({ paths }) => {
      const broken: string[] = [];
      const uncached: string[] = [];
      for (const p of paths) {
        const bad = p.samples.find((s) => s.status === null || s.status < 200 || s.status >= 300);
        if (bad) {
          broken.push(`${p.path} ${bad.status ?? bad.error ?? 'no answer'}`);
          continue;
        }
        const verdict = assessCacheControl(p.cacheControl);
        if (!verdict.cacheable) uncached.push(`${p.path} (${verdict.reason})`);
      }
      if (broken.length > 0) {
        return { status: 'fail', expected, found: broken.join(', '), hint: 'fix these paths, or list the final URL when a path redirects' };
      }
      if (uncached.length > 0) {
        return {
          status: 'warn',
          expected,
          found: `not cacheable: ${uncached.join(', ')}`,
          hint: 'send Cache-Control: public, s-maxage=<seconds>, stale-while-revalidate so the CDN absorbs the spike',
        };
      }
      return { status: 'pass', expected, found: `${paths.length} path(s) 2xx, all cacheable` };
    });
  },
};
