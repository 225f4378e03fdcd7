// Selection, verdict, exit codes, and the machine renderings (JUnit, GitHub
// annotations, --json) of a checklist run. Pure.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../errors.js';
import { renderGithubAnnotations } from './github.js';
import { renderJunit } from './junit.js';
import { CHECKS, parseCheckIds, selectChecks } from './registry.js';
import { buildChecklistReport, checklistExitCode, toChecklistJson } from './report.js';
import { renderChecklist } from './render.js';
import type { CheckResult } from './types.js';

const results: CheckResult[] = [
  { id: 'redis.version', title: 'Redis version', status: 'pass', expected: '≥ 6.2', found: '7.2.4', hint: '' },
  { id: 'redis.eviction-policy', title: 'Eviction spares streams and state', status: 'fail', expected: 'volatile-* or noeviction', found: 'allkeys-lru', hint: 'set maxmemory-policy volatile-lru' },
  { id: 'site.paths', title: 'Launch paths answer', status: 'warn', expected: '2xx, cacheable', found: 'not cacheable: / (no-store) & <b>, 100%', hint: 'send s-maxage' },
  { id: 'ph.token', title: 'Product Hunt token accepted', status: 'skip', expected: 'PH_TOKEN set', found: 'productHunt is not configured', hint: '' },
];

/** A small well-formedness check: balanced tags, quoted attributes, known entities only. */
function parseXml(xml: string): { name: string; attrs: Record<string, string>; text: string }[] {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  const elements: { name: string; attrs: Record<string, string>; text: string }[] = [];
  const stack: string[] = [];
  const tagRe = /<(\/?)([a-zA-Z-]+)((?:\s+[a-zA-Z-]+="[^"<]*")*)\s*(\/?)>|<\?xml[^>]*\?>/g;
  let last = 0;
  for (const m of xml.matchAll(tagRe)) {
    const between = xml.slice(last, m.index);
    expect(between).not.toMatch(/[<>]/);
    expect(between.replace(/&(amp|lt|gt|quot|apos);/g, '')).not.toMatch(/&/);
    if (elements.length > 0 && stack.length > 0) elements.at(-1)!.text += between;
    last = m.index + m[0].length;
    if (!m[2]) continue;
    if (m[1]) {
      expect(stack.pop()).toBe(m[2]);
      continue;
    }
    const attrs = Object.fromEntries([...(m[3] ?? '').matchAll(/([a-zA-Z-]+)="([^"]*)"/g)].map((a) => [a[1]!, a[2]!]));
    elements.push({ name: m[2], attrs, text: '' });
    if (!m[4]) stack.push(m[2]);
  }
  expect(stack).toEqual([]);
  expect(xml.slice(last).trim()).toBe('');
  return elements;
}

describe('selectChecks', () => {
  it('each phase runs its own checks', () => {
    const ids = (p: Parameters<typeof selectChecks>[0]) => selectChecks(p).map((c) => c.id);
    expect(ids('t-7')).toContain('site.social');
    expect(ids('t-7')).not.toContain('warm.markers');
    expect(ids('t0')).toEqual(expect.arrayContaining(['warm.markers', 'redis.errors', 'streams.group']));
    expect(ids('t+1')).toEqual(expect.arrayContaining(['launch.report', 'redis.errors']));
    expect(ids('t+1')).not.toContain('site.social');
  });
  it('--only runs exactly those, even outside the phase; --skip removes', () => {
    expect(selectChecks('t-7', ['warm.markers']).map((c) => c.id)).toEqual(['warm.markers']);
    expect(selectChecks('t-7', undefined, ['site.social']).map((c) => c.id)).not.toContain('site.social');
  });
  it('unknown ids are a usage error listing the valid ones', () => {
    expect(() => parseCheckIds('redis.version,nope', '--only')).toThrow(UsageError);
    try {
      parseCheckIds('nope', '--skip');
    } catch (err) {
      expect((err as UsageError).message).toContain('--skip: unknown check id "nope"');
      expect((err as UsageError).details.join(' ')).toContain('redis.eviction-policy');
    }
    expect(parseCheckIds(' redis.version , site.tls ', '--only')).toEqual(['redis.version', 'site.tls']);
  });
  it('every check id is unique and every check has a phase', () => {
    expect(new Set(CHECKS.map((c) => c.id)).size).toBe(CHECKS.length);
    for (const c of CHECKS) expect(c.phases.length).toBeGreaterThan(0);
  });
});

describe('verdict and exit code', () => {
  it('a failure fails the run (exit 1)', () => {
    const report = buildChecklistReport('t-1', results, { strict: false, redisUnreachable: false });
    expect(report.counts).toEqual({ pass: 1, warn: 1, fail: 1, skip: 1 });
    expect(report.passed).toBe(false);
    expect(checklistExitCode(report)).toBe(1);
  });
  it('warnings pass, unless --strict', () => {
    const noFail = results.filter((r) => r.status !== 'fail');
    expect(checklistExitCode(buildChecklistReport('t-1', noFail, { strict: false, redisUnreachable: false }))).toBe(0);
    expect(checklistExitCode(buildChecklistReport('t-1', noFail, { strict: true, redisUnreachable: false }))).toBe(1);
  });
  it('Redis unreachable is exit 3', () => {
    expect(checklistExitCode(buildChecklistReport('t-1', results, { strict: false, redisUnreachable: true }))).toBe(3);
  });
  it('--json has the documented shape', () => {
    const doc = toChecklistJson(buildChecklistReport('t0', results, { strict: false, redisUnreachable: false }));
    expect(Object.keys(doc)).toEqual(['phase', 'passed', 'counts', 'checks']);
    expect(Object.keys((doc as { checks: object[] }).checks[0]!)).toEqual(['id', 'title', 'status', 'expected', 'found', 'hint']);
  });
  it('plain rendering: one block per check and the verdict last', () => {
    const text = renderChecklist(buildChecklistReport('t-1', results, { strict: false, redisUnreachable: false }), { decorate: false, paint: (_c, t) => t });
    expect(text).toMatch(/^FAIL {2}redis\.eviction-policy/m);
    expect(text).toMatch(/fix: +set maxmemory-policy volatile-lru/);
    expect(text.split('\n').at(-1)).toBe('✗ checklist t-1 FAILED: 1 passed, 1 warning, 1 failed, 1 skipped');
  });
});

describe('renderJunit', () => {
  const junit = (strict: boolean) => renderJunit(buildChecklistReport('t-1', results, { strict, redisUnreachable: false }), { startedAtMs: 0, durationMs: 1234, launchName: 'Acme & Co' });

  it('parses, one testcase per check, fail → failure, skip → skipped, warn → system-out', () => {
    const elements = parseXml(junit(false));
    const suite = elements.find((e) => e.name === 'testsuite')!;
    expect(suite.attrs).toMatchObject({ tests: '4', failures: '1', skipped: '1', errors: '0', time: '1.234' });
    const cases = elements.filter((e) => e.name === 'testcase');
    expect(cases.map((c) => c.attrs.name)).toEqual(results.map((r) => `${r.id}: ${r.title}`));
    const failures = elements.filter((e) => e.name === 'failure');
    expect(failures).toHaveLength(1);
    expect(failures[0]!.attrs.message).toBe('expected volatile-* or noeviction, found allkeys-lru');
    expect(elements.filter((e) => e.name === 'skipped')).toHaveLength(1);
    expect(elements.find((e) => e.name === 'system-out' && e.text.startsWith('WARNING'))?.text).toContain('&lt;b&gt;');
    expect(elements.find((e) => e.name === 'property' && e.attrs.name === 'launch')?.attrs.value).toBe('Acme &amp; Co');
  });

  it('--strict turns the warning into a failure', () => {
    const elements = parseXml(junit(true));
    expect(elements.filter((e) => e.name === 'failure')).toHaveLength(2);
    expect(elements.find((e) => e.name === 'testsuite')!.attrs.failures).toBe('2');
  });
});

describe('renderGithubAnnotations', () => {
  it('::error for failures, ::warning for warnings, escaped', () => {
    const lines = renderGithubAnnotations(buildChecklistReport('t-1', results, { strict: false, redisUnreachable: false }));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^::error title=checklist t-1 redis\.eviction-policy::Eviction spares streams and state: expected volatile-\* or noeviction, found allkeys-lru\. Fix: set maxmemory-policy volatile-lru$/);
    expect(lines[1]).toMatch(/^::warning title=checklist t-1 site\.paths::/);
    expect(lines[1]).toContain('100%25');
  });
  it('--strict: warnings are errors', () => {
    const lines = renderGithubAnnotations(buildChecklistReport('t-1', results, { strict: true, redisUnreachable: false }));
    expect(lines.every((l) => l.startsWith('::error'))).toBe(true);
  });
});
