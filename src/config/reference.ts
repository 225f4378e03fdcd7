// Renders the config reference (docs/config.md) from the zod schema, so the
// documentation cannot drift from what the loader accepts.
import { z } from 'zod';
import { configSchema } from './schema.js';

interface JsonSchemaNode {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum) return node.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const t = Array.isArray(node.type) ? node.type.join(' \\| ') : (node.type ?? 'any');
  if (t === 'array' && node.items) return `array of ${typeOf(node.items)}`;
  const range: string[] = [];
  if (node.minimum !== undefined) range.push(`≥ ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) range.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined && node.maximum < Number.MAX_SAFE_INTEGER) range.push(`≤ ${node.maximum}`);
  return range.length ? `${t} (${range.join(', ')})` : t;
}

function rows(node: JsonSchemaNode, path: string, out: string[]): void {
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    if (name === '$schema') continue;
    const full = path ? `${path}.${name}` : name;
    if (child.type === 'object' && child.properties) {
      out.push(`| **\`${full}\`** | section | | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
      rows(child, full, out);
      if (child.items) rows(child.items, `${full}[]`, out);
      continue;
    }
    const def = child.default === undefined ? (node.required?.includes(name) ? 'required' : '') : `\`${JSON.stringify(child.default)}\``;
    out.push(`| \`${full}\` | ${typeOf(child)} | ${def} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
    if (child.type === 'array' && child.items?.properties) rows(child.items, `${full}[]`, out);
  }
}

/** Pure: the Markdown reference of every config field. */
export function renderConfigReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
  const out = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs:config`; do not edit by hand. -->',
    '',
    '`launch.config.json` (or the file named by `-c FILE` / `LAUNCHCTL_CONFIG`). Every field is optional unless marked',
    'required; a section that is absent takes its defaults (`site` and `productHunt` are absent unless you write them).',
    'Secrets are never fields: fields ending in `Env` name the environment variable that holds the secret.',
    '',
    '| field | type | default | what it is |',
    '| --- | --- | --- | --- |',
  ];
  rows(schema, '', out);
  return `${out.join('\n')}\n`;
}
