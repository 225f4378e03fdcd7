// The Grafana dashboard a user imports (examples/grafana/launchctl-dashboard.json):
// it follows whichever Prometheus data source the user picks, has the six
// areas as rows, and queries only families launchctl really exports.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILY_NAMES, familySeriesNames } from '../../src/domain/metrics/families.js';
import { missingBinaries, runPromtool } from '../helpers/prometheus.js';

interface Target {
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  gridPos: { x: number; y: number; w: number; h: number };
}
interface Dashboard {
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; type: string; query: unknown; datasource?: unknown }[] };
}

const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'examples', 'grafana', 'launchctl-dashboard.json'), 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const targets = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, ...t })));

const SERIES = new Set(FAMILY_NAMES.flatMap((n) => familySeriesNames(n)));
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset']);

/**
 * The metric names an expression reads: what is left once strings, label
 * matchers, ranges, grouping clauses, function calls and keywords are removed.
 */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names: string[] = [];
  for (const m of stripped.matchAll(/[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?/g)) {
    if (m[1] || KEYWORDS.has(m[0])) continue; // a function call or a keyword
    names.push(m[0]);
  }
  return names;
}

describe('examples/grafana/launchctl-dashboard.json', () => {
  it('is a current dashboard whose data source is a variable of type prometheus', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ds = dashboard.templating.list.find((v) => v.name === 'datasource');
    expect(ds).toMatchObject({ type: 'datasource', query: 'prometheus' });
  });

  it('has one row per area', () => {
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(['Launch', 'Warm', 'Streams', 'Conversion', 'Redis', 'Product Hunt']);
  });

  it('every panel and every query uses the ${datasource} variable', () => {
    expect(panels.length).toBeGreaterThan(20);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets ?? []) expect(t.datasource, p.title).toEqual({ type: 'prometheus', uid: '${datasource}' });
    }
    for (const v of dashboard.templating.list.filter((v) => v.type === 'query')) expect(v.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
  });

  it('queries only the families of the contract', () => {
    const variableQueries = dashboard.templating.list.filter((v) => v.type === 'query').map((v) => (v.query as { query: string }).query);
    for (const { panel, expr } of targets) {
      const names = metricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      for (const name of names) expect(SERIES.has(name), `${panel}: ${name} is not a launchctl family`).toBe(true);
    }
    for (const q of variableQueries) expect(q).toMatch(/^label_values\(launchctl_build_info, instance\)$/);
  });

  it('shows every family somewhere', () => {
    const used = new Set(targets.flatMap((t) => metricNames(t.expr)));
    const unused = FAMILY_NAMES.filter((n) => !familySeriesNames(n).some((s) => used.has(s)));
    expect(unused).toEqual([]);
  });

  it('the metric-name reader sees a foreign metric (the check can fail)', () => {
    expect(metricNames('sum by (le) (rate(http_request_duration_seconds_bucket{job="x"}[5m])) and on (instance) launchctl_up')).toEqual([
      'http_request_duration_seconds_bucket',
      'launchctl_up',
    ]);
  });

  it.skipIf(missingBinaries('promtool'))('every query is valid PromQL (promtool check rules on them as recording rules)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-dashboard-'));
    try {
      const rules = targets.map((t, i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(t.expr.replaceAll('$instance', '.+'))}`);
      await writeFile(join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      const result = await runPromtool(['check', 'rules', join(dir, 'queries.yml')]);
      expect(result.stdout + result.stderr).toContain(`SUCCESS: ${targets.length} rules found`);
      expect(result.code).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
