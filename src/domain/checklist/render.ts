// Human renderings of a checklist run: a table on a terminal, plain lines in
// CI logs, a one-line verdict, and `--list`. Pure: they return strings.
import { renderTable } from '../../output/table.js';
import type { Colour, Paint } from '../../output/terminal.js';
import { isFailing, type ChecklistReport } from './report.js';
import type { CheckDefinition, CheckStatus } from './types.js';

const SYMBOL: Record<CheckStatus, string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };
const COLOUR: Record<CheckStatus, Colour> = { pass: 'green', warn: 'yellow', fail: 'red', skip: 'gray' };

export interface RenderOptions {
  decorate: boolean;
  paint: Paint;
}

export function renderChecklist(report: ChecklistReport, { decorate, paint }: RenderOptions): string {
  const lines: string[] = [];
  if (decorate) {
    const rows = report.checks.map((c) => [paint(COLOUR[c.status], SYMBOL[c.status]), c.id, c.expected, c.found]);
    // Aligned columns rather than a box: `found` can be long, and box rules around
    // 20 wrapped rows read worse than k6's / lhci's plain lists.
    const table = renderTable({ head: ['', 'check', 'expected', 'found'], rows, decorate: false, align: ['left', 'left', 'left', 'left'] });
    const [head, ...body] = table.split('\n');
    lines.push(paint('bold', head ?? ''), ...body);
    const toFix = report.checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && c.hint);
    if (toFix.length > 0) lines.push('');
    for (const c of toFix) lines.push(`${paint(COLOUR[c.status], SYMBOL[c.status])} ${paint('bold', c.id)}: ${c.hint}`);
  } else {
    for (const c of report.checks) {
      lines.push(`${c.status.toUpperCase().padEnd(4)}  ${c.id}: ${c.title}`);
      lines.push(`      expected: ${c.expected}`);
      lines.push(`      found:    ${c.found}`);
      if (c.hint && c.status !== 'pass') lines.push(`      fix:      ${c.hint}`);
    }
  }
  lines.push(renderVerdict(report, paint));
  return lines.join('\n');
}

export function renderVerdict(report: ChecklistReport, paint: Paint): string {
  const { pass, warn, fail, skip } = report.counts;
  const tally = `${pass} passed, ${warn} warning${warn === 1 ? '' : 's'}, ${fail} failed, ${skip} skipped`;
  const strictNote = report.strict && warn > 0 && fail === 0 ? ' (--strict: warnings fail)' : '';
  const unreachable = report.redisUnreachable ? ' (Redis unreachable)' : '';
  if (report.passed && !report.redisUnreachable) return paint('green', `✓ checklist ${report.phase} passed: ${tally}`);
  return paint('red', `✗ checklist ${report.phase} FAILED${unreachable}: ${tally}${strictNote}`);
}

/** `checklist --list`: every check, its phases and what it guards against. */
export function renderCheckList(checks: readonly CheckDefinition[], { decorate }: RenderOptions): string {
  const rows = checks.map((c) => [c.id, c.phases.join(' '), c.guards]);
  return renderTable({ head: ['check', 'phases', 'guards against'], rows, decorate, align: ['left', 'left', 'left'] });
}

export function checkListJson(checks: readonly CheckDefinition[]): object {
  return { checks: checks.map((c) => ({ id: c.id, title: c.title, phases: c.phases, guards: c.guards })) };
}

/** The ids that fail this run, for a short summary. */
export function failingIds(report: ChecklistReport): string[] {
  return report.checks.filter((c) => isFailing(c, report.strict)).map((c) => c.id);
}
