// ph.token, ph.post, ph.budget: read through the shared Product Hunt service, so
// one run makes at most one API call (none when the shared cache is fresh).
import { formatDuration } from '../../../util/duration.js';
import { formatCount, formatPercent } from '../../../output/format.js';
import { withFact, type CheckDefinition, type ChecklistFacts, type Outcome } from '../types.js';

function notConfigured(expected: string): Outcome {
  return { status: 'skip', expected, found: 'productHunt is not configured', hint: 'set productHunt.post (and PH_TOKEN) to check the Product Hunt side' };
}

function describeStatus(facts: ChecklistFacts['ph']): string {
  const s = facts?.ok ? facts.value.status : null;
  if (!s) return '';
  return `${s.name}: ${formatCount(s.votesCount)} votes${s.rank === null ? '' : `, rank ≈#${s.rank}`}${s.cached ? ' (shared cache)' : ''}`;
}

export const phToken: CheckDefinition = {
  id: 'ph.token',
  title: 'Product Hunt token accepted',
  phases: ['t-7', 't-1', 't0'],
  guards: 'finding out on launch morning that the token is missing, revoked or blocked',
  needs: ['ph'],
  evaluate({ ph, config }) {
    const expected = `${config.productHunt?.tokenEnv ?? 'PH_TOKEN'} set and accepted`;
    if (!config.productHunt) return notConfigured(expected);
    return withFact(ph, expected, ({ status, error }) => {
      if (status || error?.kind === 'not-found') return { status: 'pass', expected, found: status ? 'accepted' : 'accepted (the post was not found: see ph.post)' };
      if (error?.kind === 'config') return { status: 'fail', expected, found: error.message, hint: `export ${config.productHunt!.tokenEnv} (a developer token from producthunt.com/v2/oauth/applications)` };
      if (error?.kind === 'token') return { status: 'fail', expected, found: error.message, hint: 'create a new developer token and update the variable' };
      return { status: 'fail', expected, found: error?.message ?? 'no answer', hint: 'check productHunt.apiUrl and the network; run `launchctl ph` for details' };
    });
  },
};

export const phPost: CheckDefinition = {
  id: 'ph.post',
  title: 'Product Hunt post found',
  phases: ['t-1', 't0'],
  guards: 'polling the wrong slug all launch day (the dashboard and report show nothing)',
  needs: ['ph'],
  evaluate({ ph, config, phase }) {
    const expected = config.productHunt ? `post "${config.productHunt.post}" found` : 'post found';
    if (!config.productHunt) return notConfigured(expected);
    return withFact(ph, expected, ({ status, error }) => {
      if (status) return { status: 'pass', expected, found: describeStatus(ph) };
      if (error?.kind === 'not-found') {
        // Before launch a scheduled post is not public yet: only a warning then.
        const beforeLaunch = phase === 't-7' || phase === 't-1';
        return { status: beforeLaunch ? 'warn' : 'fail', expected, found: error.message, hint: 'check productHunt.post is the slug of producthunt.com/posts/<slug>' + (beforeLaunch ? ' (a scheduled post is not public until launch)' : '') };
      }
      return { status: 'skip', expected, found: `not checked: ${error?.message ?? 'no answer'}`, hint: 'see ph.token' };
    });
  },
};

export const phBudget: CheckDefinition = {
  id: 'ph.budget',
  title: 'Product Hunt rate-limit budget',
  phases: ['t-1', 't0'],
  guards: 'the team’s dashboards spending the API budget so polling stops mid-launch',
  needs: ['ph'],
  evaluate({ ph, config, nowMs }, t) {
    const expected = `≥ ${formatPercent(t.phBudgetMin)} of the budget left`;
    if (!config.productHunt) return notConfigured(expected);
    return withFact(ph, expected, ({ rateLimit }) => {
      if (!rateLimit) return { status: 'skip', expected, found: 'no budget recorded yet (no answer from the API so far)' };
      const left = rateLimit.limit > 0 ? rateLimit.remaining / rateLimit.limit : 0;
      const found = `${formatCount(Math.max(0, rateLimit.remaining))}/${formatCount(rateLimit.limit)} points left, resets in ${formatDuration(Math.max(0, rateLimit.resetAt - nowMs))}`;
      const hint = 'fewer pollers: share the cache (everyone runs `launchctl ph`, not their own scripts) or raise productHunt.cacheTtl';
      if (rateLimit.remaining <= 0) return { status: 'fail', expected, found, hint };
      if (left < t.phBudgetMin) return { status: 'warn', expected, found, hint };
      return { status: 'pass', expected, found };
    });
  },
};
