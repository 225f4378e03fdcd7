// What a newcomer without a config file reads. No zod here: the entry point
// adds these lines on its error path.
import { isAbsolute, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_CONFIG_FILE = 'launch.config.json';

/** The one command that makes a config file (at `target`), from where this copy of launchctl is installed. */
export function makeConfigCommand(cwd: string, target = DEFAULT_CONFIG_FILE): string {
  const example = fileURLToPath(new URL('../../launch.config.example.json', import.meta.url));
  const rel = relative(cwd, example);
  const from = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : example;
  const quote = (p: string) => (/[\s'"$`\\]/.test(p) ? `'${p.replace(/'/g, `'\\''`)}'` : p);
  return `cp ${quote(from)} ${quote(target)}`;
}

/** Where the file was looked for, and the one command that makes one. */
export function missingConfigDetails(lookedFor: string, cwd: string, env: NodeJS.ProcessEnv): { message: string; hint: string } {
  const named = env.LAUNCHCTL_CONFIG ? `LAUNCHCTL_CONFIG=${env.LAUNCHCTL_CONFIG}` : 'LAUNCHCTL_CONFIG is not set';
  return {
    message: `no config file: looked for ${lookedFor} (${named})`,
    hint: `make one: ${makeConfigCommand(cwd)}, then set site.origin and the rest (docs/config.md); -c FILE names another file`,
  };
}
