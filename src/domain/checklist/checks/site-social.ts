import { withFact, type CheckDefinition } from '../types.js';
import { SITE_NOT_CONFIGURED } from './site-paths.js';

export const siteSocial: CheckDefinition = {
  id: 'site.social',
  title: 'Social preview tags',
  phases: ['t-7', 't-1'],
  guards: 'a bare link preview on Product Hunt, X, Slack and LinkedIn (no og:title / og:image)',
  needs: ['social'],
  evaluate({ social, config }) {
    if (!config.site) return SITE_NOT_CONFIGURED;
    const expected = 'og:title and og:image (absolute URL) on /';
    return withFact(social, expected, ({ status, ogTitle, ogImage }) => {
      if (status < 200 || status >= 300) return { status: 'fail', expected, found: `/ answered ${status}`, hint: 'see site.paths' };
      const missing = [ogTitle === null && 'og:title', ogImage === null && 'og:image'].filter(Boolean);
      if (missing.length > 0) {
        return { status: 'fail', expected, found: `missing ${missing.join(' and ')}`, hint: 'add <meta property="og:title" content="..."> and <meta property="og:image" content="https://..."> to the landing page' };
      }
      const found = `og:title "${ogTitle!.length > 40 ? `${ogTitle!.slice(0, 37)}...` : ogTitle}", og:image ${ogImage}`;
      if (!/^https?:\/\//.test(ogImage!)) return { status: 'warn', expected, found, hint: 'og:image must be an absolute URL: scrapers do not resolve relative ones' };
      return { status: 'pass', expected, found };
    });
  },
};
