// JUnit XML of a checklist run, the report format CI systems display (GitHub
// via test-reporter actions, GitLab, Jenkins): one testcase per check; fail →
// <failure>, skip → <skipped>, warnings in <system-out> (or <failure> under
// --strict). Pure.
import { isFailing, type ChecklistReport } from './report.js';

/** Escapes text for XML content and attributes; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return (
    text
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

export interface JunitOptions {
  /** When the run started (ISO timestamp attribute). */
  startedAtMs: number;
  durationMs: number;
  launchName: string;
}

export function renderJunit(report: ChecklistReport, options: JunitOptions): string {
  const failures = report.checks.filter((c) => isFailing(c, report.strict)).length;
  const skipped = report.counts.skip;
  const time = (options.durationMs / 1000).toFixed(3);
  const suite = `launchctl checklist ${report.phase}`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${escapeXml(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${time}" timestamp="${new Date(options.startedAtMs).toISOString()}">`,
    '    <properties>',
    `      <property name="launch" value="${escapeXml(options.launchName)}"/>`,
    `      <property name="phase" value="${report.phase}"/>`,
    `      <property name="strict" value="${report.strict}"/>`,
    '    </properties>',
  ];
  for (const c of report.checks) {
    const open = `    <testcase classname="launchctl.checklist.${escapeXml(c.id.split('.')[0] ?? c.id)}" name="${escapeXml(`${c.id}: ${c.title}`)}" time="0">`;
    const detail = `expected: ${c.expected}\nfound: ${c.found}${c.hint ? `\nfix: ${c.hint}` : ''}`;
    if (isFailing(c, report.strict)) {
      lines.push(open, `      <failure type="${c.status}" message="${escapeXml(`expected ${c.expected}, found ${c.found}`)}">${escapeXml(detail)}</failure>`, '    </testcase>');
    } else if (c.status === 'skip') {
      lines.push(open, `      <skipped message="${escapeXml(c.found)}"/>`, '    </testcase>');
    } else if (c.status === 'warn') {
      lines.push(open, `      <system-out>${escapeXml(`WARNING\n${detail}`)}</system-out>`, '    </testcase>');
    } else {
      lines.push(open, `      <system-out>${escapeXml(detail)}</system-out>`, '    </testcase>');
    }
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
