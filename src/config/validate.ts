import { configSchema, type LaunchConfig } from './schema.js';
import type { core } from 'zod';
import { maskUrl } from '../util/mask.js';

export type ValidationResult = { ok: true; config: LaunchConfig } | { ok: false; errors: string[] };

/** `warm.paths[2].ttl` from a zod issue path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out || '(config)';
}

function describeInput(input: unknown): string {
  if (input === undefined) return 'nothing';
  // A URL echoed back (redis.url written with its password) is masked like any other.
  const text = JSON.stringify(typeof input === 'string' ? maskUrl(input) : input);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function formatIssue(issue: core.$ZodIssue): string {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_type': {
      const custom = issue.message.startsWith('expected') ? issue.message : `expected ${issue.expected}`;
      if (issue.input === undefined) return `${path}: required (${custom})`;
      return `${path}: ${custom}, received ${describeInput(issue.input)}`;
    }
    case 'invalid_value':
      return `${path}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, received ${describeInput(issue.input)}`;
    default: {
      const msg = issue.message.replace(/^Invalid input: /, '');
      return issue.input === undefined ? `${path}: ${msg}` : `${path}: ${msg}, received ${describeInput(issue.input)}`;
    }
  }
}

/** Pure: validates a parsed config file and applies defaults. */
export function validateConfig(raw: unknown): ValidationResult {
  const parsed = configSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, config: parsed.data };
  return { ok: false, errors: parsed.error.issues.map(formatIssue) };
}
