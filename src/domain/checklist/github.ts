// GitHub Actions workflow commands (`::error` / `::warning`), one per failing
// or warning check, so they show as annotations on the run. Pure.
import { isFailing, type ChecklistReport } from './report.js';

/** Escaping of workflow command data (the message). */
function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** Escaping of workflow command properties (title=...), where `:` and `,` are separators too. */
function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderGithubAnnotations(report: ChecklistReport): string[] {
  return report.checks
    .filter((c) => c.status === 'fail' || c.status === 'warn')
    .map((c) => {
      const level = isFailing(c, report.strict) ? 'error' : 'warning';
      const title = escapeProperty(`checklist ${report.phase} ${c.id}`);
      const message = escapeData(`${c.title}: expected ${c.expected}, found ${c.found}${c.hint ? `. Fix: ${c.hint}` : ''}`);
      return `::${level} title=${title}::${message}`;
    });
}

export function isGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
