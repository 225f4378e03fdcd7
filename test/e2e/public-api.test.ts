// The package's public API is what the README and docs/*.md document, no more
// (SPEC.md, "Architecture"). This list fails on any change to the exports of
// the built package, so adding or removing a name is a decision, not an accident.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

const PUBLIC_API = [
  'ConfigError',
  'EXIT_CHECK_FAILED',
  'EXIT_INTERNAL',
  'EXIT_INTERRUPTED',
  'EXIT_OK',
  'EXIT_UNREACHABLE',
  'EXIT_USAGE',
  'EventTooLargeError',
  'InterruptedError',
  'InvalidEventError',
  'LaunchctlError',
  'StreamFullError',
  'UnreachableError',
  'UsageError',
  'closeRedis',
  'connectRedis',
  'evaluateConversionPath',
  'getPhLeaderboard',
  'getPhStatus',
  'ingestEngagement',
  'isLaunchctlError',
  'loadConfig',
  'readPhHistory',
  'readPhRateLimit',
  'warm',
  'withRedis',
];

describe('the public API (dist/index.js)', () => {
  it('exports exactly the documented names', async () => {
    const api = (await import('../../dist/index.js')) as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual([...PUBLIC_API].sort());
  });

  it('every name the README and docs import from "launchctl" is exported', async () => {
    const api = (await import('../../dist/index.js')) as Record<string, unknown>;
    const files = ['README.md', 'docs/ingest.md', 'docs/ph.md', 'docs/warm.md'];
    for (const file of files) {
      const text = await readFile(new URL(`../../${file}`, import.meta.url), 'utf8');
      for (const m of text.matchAll(/import \{([^}]+)\} from 'launchctl'/g)) {
        for (const name of m[1]!.split(',').map((n) => n.trim().replace(/^type /, '')).filter(Boolean)) {
          expect(api[name], `${file} imports ${name}`).toBeDefined();
        }
      }
    }
  });
});
