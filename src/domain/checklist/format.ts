// A plural helper for the expected/found columns; the numbers themselves use
// the shared formatters of src/output/format.ts (one style across verbs). Pure.
import { formatCount } from '../../output/format.js';

/** " on a:1, b:2" naming the masters concerned, or "" for a standalone server (one node: nothing to tell apart). */
export function onMasters(concerned: readonly { address: string }[], all: readonly unknown[]): string {
  return all.length > 1 && concerned.length > 0 ? ` on ${concerned.map((n) => n.address).join(', ')}` : '';
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
