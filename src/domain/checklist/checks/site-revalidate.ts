import type { CheckDefinition } from '../types.js';
import { SITE_NOT_CONFIGURED } from './site-paths.js';

export const siteRevalidate: CheckDefinition = {
  id: 'site.revalidate',
  title: 'Warm-up fallback ready',
  phases: ['t-7', 't-1', 't0'],
  guards: 'warm having no fallback when a path fails (no revalidation endpoint, or its secret missing here)',
  needs: [],
  evaluate({ config, revalidateSecretSet }) {
    if (!config.site) return SITE_NOT_CONFIGURED;
    const expected = 'site.revalidate set and its secret variable set';
    const revalidate = config.site.revalidate;
    if (!revalidate) {
      return { status: 'warn', expected, found: 'site.revalidate not configured', hint: 'set site.revalidate.url (and secretEnv) so warm can revalidate paths that fail' };
    }
    if (!revalidateSecretSet) {
      return { status: 'fail', expected, found: `${revalidate.secretEnv} is not set`, hint: `export ${revalidate.secretEnv} (in CI: a repository secret) where warm runs` };
    }
    return { status: 'pass', expected, found: `${new URL(revalidate.url).origin}${new URL(revalidate.url).pathname}, ${revalidate.secretEnv} set` };
  },
};
