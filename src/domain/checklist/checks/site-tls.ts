import { DAY_MS } from '../../../util/duration.js';
import { withFact, type CheckDefinition } from '../types.js';
import { SITE_NOT_CONFIGURED } from './site-paths.js';

export const siteTls: CheckDefinition = {
  id: 'site.tls',
  title: 'TLS certificate valid through the launch',
  phases: ['t-7', 't-1', 't0'],
  guards: 'the certificate expiring during the launch week (browsers refuse the site)',
  needs: ['tls'],
  evaluate({ tls, config, nowMs }, t) {
    if (!config.site) return SITE_NOT_CONFIGURED;
    const expected = `valid > ${t.certWarnDays} days`;
    if (!config.site.origin.startsWith('https:')) {
      return { status: 'skip', expected, found: `${config.site.origin} is not https`, hint: 'launch on https: set site.origin to the https:// URL' };
    }
    return withFact(tls, expected, ({ validTo, authorized, authorizationError }) => {
      const daysLeft = (validTo - nowMs) / DAY_MS;
      const date = new Date(validTo).toISOString().slice(0, 10);
      const trust = authorized ? '' : ` (not trusted: ${authorizationError ?? 'unknown reason'})`;
      const found = daysLeft <= 0 ? `expired ${date}${trust}` : `expires ${date}, in ${Math.floor(daysLeft)} days${trust}`;
      const renew = 'renew the certificate now (check the automatic renewal, e.g. certbot or the CDN’s managed certificate)';
      if (daysLeft < t.certFailDays) return { status: 'fail', expected, found, hint: renew };
      if (daysLeft < t.certWarnDays) return { status: 'warn', expected, found, hint: renew };
      if (!authorized) return { status: 'warn', expected, found, hint: 'serve a certificate from a public CA with the full chain' };
      return { status: 'pass', expected, found };
    });
  },
};
