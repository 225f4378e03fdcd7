import type { CheckDefinition } from '../types.js';

export const warmJitter: CheckDefinition = {
  id: 'warm.jitter',
  title: 'Warm-up TTL jitter',
  phases: ['t-7', 't-1', 't0'],
  guards: 'every warm marker expiring in the same second, and the stampede that follows (the seed article’s pitfall)',
  needs: [],
  evaluate({ config }, t) {
    const expected = `warm.jitter ≥ ${t.minJitter}`;
    const found = String(config.warm.jitter);
    if (config.warm.jitter < t.minJitter) {
      return { status: 'fail', expected, found, hint: `set warm.jitter to ${Math.max(0.15, t.minJitter)} or more` };
    }
    return { status: 'pass', expected, found };
  },
};
