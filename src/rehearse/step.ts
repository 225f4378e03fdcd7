// What a rehearsal step is, and what its steps share. A step takes the shared
// environment and returns one report section (human lines + data for --json).
import type { RehearsalEnv } from './environment.js';

export interface RehearsalSection {
  id: string;
  title: string;
  ok: boolean;
  /** Human lines, printed under the title. */
  lines: string[];
  /** The same facts for --json. */
  data: Record<string, unknown>;
}

export interface RehearsalStep {
  id: string;
  title: string;
  run(env: RehearsalEnv): Promise<RehearsalSection>;
}

export interface RehearsalSettings {
  /** Simulated users (engagement history for --predictive, and the launch traffic). */
  users: number;
  /** How long the launch traffic runs. */
  durationMs: number;
  /** GETs of each path when measuring warm latency. */
  warmRounds: number;
}

/** The rehearsal's hot pages first: generateTraffic visits earlier paths more (Zipf-like). */
const HOT_PAGES = ['/pricing', '/', '/signup', '/blog/launch-day', '/features', '/docs'];

export function pagesByPopularity(paths: readonly string[]): string[] {
  const rank = (p: string) => (HOT_PAGES.includes(p) ? HOT_PAGES.indexOf(p) : HOT_PAGES.length);
  return [...paths].sort((a, b) => rank(a) - rank(b));
}
