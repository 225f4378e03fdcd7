// The example Prometheus files a user copies (examples/prometheus/) are valid
// and the alerts fire when they should: promtool checks the config and the
// rules, and runs the rule unit tests of launchctl.rules.test.yml.
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingBinaries, runPromtool } from '../helpers/prometheus.js';

const EXAMPLES = join(import.meta.dirname, '..', '..', 'examples', 'prometheus');

describe.skipIf(missingBinaries('promtool'))('examples/prometheus with promtool', () => {
  it('promtool check config: the scrape config and the rule file it names are valid', async () => {
    const result = await runPromtool(['check', 'config', join(EXAMPLES, 'prometheus.yml')]);
    expect(result.stdout + result.stderr).toContain('SUCCESS: 1 rule files found');
    expect(result.stdout + result.stderr).not.toMatch(/FAILED|WARNING/);
    expect(result.code).toBe(0);
  });

  it('promtool check rules: ten alerts, no finding', async () => {
    const result = await runPromtool(['check', 'rules', join(EXAMPLES, 'launchctl.rules.yml')]);
    expect(result.stdout + result.stderr).toContain('SUCCESS: 10 rules found');
    expect(result.stdout + result.stderr).not.toMatch(/FAILED|WARNING/);
    expect(result.code).toBe(0);
  });

  it('promtool test rules: every alert fires on its input series, with its labels and annotations, and not on the others', async () => {
    const result = await runPromtool(['test', 'rules', 'launchctl.rules.test.yml'], undefined, EXAMPLES);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('every alert has a severity, a summary and a description that names a launchctl command, and a test', async () => {
    const rules = await readFile(join(EXAMPLES, 'launchctl.rules.yml'), 'utf8');
    const tests = await readFile(join(EXAMPLES, 'launchctl.rules.test.yml'), 'utf8');
    const blocks = rules.split(/\n {6}- alert: /).slice(1);
    expect(blocks).toHaveLength(10);
    for (const block of blocks) {
      const name = block.split('\n')[0]!;
      expect(block, name).toMatch(/\n {10}severity: (critical|warning)\n/);
      expect(block, name).toMatch(/\n {10}summary: /);
      expect(block, name).toMatch(/\n {10}description: [^]*`launchctl (trim|consume|state|warm|ph|checklist t0)/);
      expect(tests, name).toContain(`alertname: ${name}\n`);
    }
  });

  it('the rule tests catch a wrong threshold (they can fail)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'launchctl-rules-'));
    try {
      await cp(EXAMPLES, dir, { recursive: true });
      const rules = await readFile(join(dir, 'launchctl.rules.yml'), 'utf8');
      await writeFile(join(dir, 'launchctl.rules.yml'), rules.replace('launchctl_warm_success_ratio < 0.95', 'launchctl_warm_success_ratio < 0.85'));
      const result = await runPromtool(['test', 'rules', 'launchctl.rules.test.yml'], undefined, dir);
      expect(result.stdout + result.stderr).toContain('LaunchctlWarmSuccessLow');
      expect(result.code).not.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
