// launchctl's own version, from its package.json (the CLI's --version, the
// metrics' build_info).
import { readFileSync } from 'node:fs';

export function readVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
