import { describe, expect, it } from 'vitest';
import { renderTable } from './table.js';
import { canDecorate } from './terminal.js';

describe('output layer', () => {
  it('decorates only a sized TTY without CI or NO_COLOR', () => {
    const tty = { write: () => true, isTTY: true, columns: 80 };
    expect(canDecorate(tty, {})).toBe(true);
    expect(canDecorate(tty, { CI: 'true' })).toBe(false);
    expect(canDecorate(tty, { NO_COLOR: '' })).toBe(false);
    expect(canDecorate({ ...tty, isTTY: false }, {})).toBe(false);
    expect(canDecorate({ ...tty, columns: 0 }, {})).toBe(false);
  });

  it('renders a box table without explicit alignment, and plain columns for logs', () => {
    const boxed = renderTable({ head: ['path', 'ms'], rows: [['/', 12]], decorate: true });
    expect(boxed).toContain('│ /');
    const plain = renderTable({ head: ['path', 'ms'], rows: [['/pricing', 5]], decorate: false, align: ['left', 'right'] });
    expect(plain).toBe('path      ms\n/pricing   5');
  });
});
