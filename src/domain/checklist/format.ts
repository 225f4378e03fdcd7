// A plural helper for the expected/found columns; the numbers themselves use
// the shared formatters of src/output/format.ts (one style across verbs). Pure.
import { formatCount } from '../../output/format.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
