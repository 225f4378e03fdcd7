import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigReference } from './reference.js';

describe('config reference', () => {
  it('docs/config.md is up to date with the schema (run `npm run docs:config`)', () => {
    const committed = readFileSync(new URL('../../docs/config.md', import.meta.url), 'utf8');
    expect(committed).toBe(renderConfigReference());
  });

  it('lists nested fields with their defaults', () => {
    const text = renderConfigReference();
    expect(text).toContain('| `warm.jitter` | number (≥ 0, ≤ 0.5) | `0.15` |');
    expect(text).toContain('| `productHunt.post` | string | required |');
  });
});
