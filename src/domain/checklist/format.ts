// Number formats for the expected/found columns: the dashboard's formatters
// (one style across verbs), plus a plural helper. Pure.
import { formatCount } from '../watch/format.js';

export { formatBytes, formatCount, formatLatency as formatMs, formatPercent } from '../watch/format.js';

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}
