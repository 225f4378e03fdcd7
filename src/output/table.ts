import Table from 'cli-table3';
import { visibleLength } from './terminal.js';

export type Align = 'left' | 'right';

export interface TableOptions {
  head: string[];
  rows: (string | number)[][];
  /** Box-drawn table on a decorated terminal; aligned plain columns otherwise (CI logs). */
  decorate: boolean;
  align?: Align[];
}

/** Pure: renders rows as a table string (no trailing newline). */
export function renderTable({ head, rows, decorate, align }: TableOptions): string {
  const cells = rows.map((r) => r.map((c) => String(c)));
  if (decorate) {
    const table = new Table({ head, style: { head: ['bold'], border: [] }, colAligns: align ?? head.map(() => 'left' as const) });
    table.push(...cells);
    return table.toString();
  }
  const widths = head.map((h, i) => Math.max(visibleLength(h), ...cells.map((r) => visibleLength(r[i] ?? ''))));
  const line = (r: string[]) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - visibleLength(c)));
        return align?.[i] === 'right' ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(head), ...cells.map(line)].join('\n');
}
