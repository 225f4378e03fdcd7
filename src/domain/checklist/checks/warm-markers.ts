import { formatPercent } from '../../../output/format.js';
import { launchPaths, withFact, type CheckDefinition } from '../types.js';

export const warmMarkers: CheckDefinition = {
  id: 'warm.markers',
  title: 'Launch paths warmed',
  phases: ['t0'],
  guards: 'the spike hitting cold pages because the warm-up did not run or its markers expired',
  needs: ['markers'],
  evaluate({ markers, config }, t) {
    const expected = `markers for ≥ ${formatPercent(t.warmupSuccessRate)} of ${launchPaths(config).length} path(s)`;
    return withFact(markers, expected, ({ paths }) => {
      if (paths.length === 0) return { status: 'skip', expected, found: 'no launch paths', hint: 'list them in warm.paths' };
      const present = paths.filter((p) => p.present);
      const rate = present.length / paths.length;
      const missing = paths.filter((p) => !p.present).map((p) => p.path);
      const found = `${present.length}/${paths.length} (${formatPercent(rate)})${missing.length > 0 ? `, cold: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}` : ''}`;
      if (rate < t.warmupSuccessRate) return { status: 'fail', expected, found, hint: 'run `launchctl warm` (or keep `launchctl warm --repeat-after 10m` running)' };
      return { status: 'pass', expected, found };
    });
  },
};
