import { formatCount, formatPercent } from '../../../output/format.js';
import { buildLaunchReport } from '../launch-report.js';
import type { CheckDefinition } from '../types.js';

export const launchReport: CheckDefinition = {
  id: 'launch.report',
  title: 'Launch report',
  phases: ['t+1'],
  guards: 'the launch numbers (votes, rank, events, variants, memory) lost once keys expire',
  needs: ['redis', 'streams', 'counters', 'markers', 'ph'],
  evaluate(facts) {
    const expected = 'every part of the report available';
    const r = buildLaunchReport(facts);
    const parts = [
      r.productHunt && `${formatCount(r.productHunt.votes)} votes${r.productHunt.rank === null ? '' : `, rank ≈#${r.productHunt.rank}`}`,
      r.events.ingested !== null && `${formatCount(r.events.ingested)}${r.events.ingestedIsLowerBound ? '+' : ''} events ingested`,
      r.events.consumed !== null && `${formatCount(r.events.consumed)} consumed`,
      r.warm && `warm ${formatPercent(r.warm.successRate)}`,
      r.memory && `peak memory ${r.memory.peak}`,
    ].filter(Boolean);
    const where = facts.reportPath ? `; written to ${facts.reportPath}` : '';
    const found = `${parts.join(', ') || 'nothing to report'}${where}`;
    const hint = facts.reportPath ? undefined : 'pass --report FILE to save the full report as JSON';
    if (r.missing.length > 0) return { status: 'warn', expected, found: `${found}; missing ${r.missing.join('; ')}`, hint };
    return { status: 'pass', expected, found, hint };
  },
};
