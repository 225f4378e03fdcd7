// End to end: the built CLI as a process, through pipes, CI cleared.
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

describe('launchctl (built CLI)', () => {
  it('--help exits 0 and lists every verb', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const verb of ['warm', 'ingest', 'consume', 'trim', 'state', 'ph', 'watch', 'checklist', 'rehearse', 'config']) {
      expect(r.stdout).toMatch(new RegExp(`^  ${verb}\\b`, 'm'));
    }
  });

  it('an unknown verb is a usage error (exit 2)', async () => {
    const r = await runCli(['launch-it']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown command 'launch-it'");
  });

  it('an invalid config exits 2 naming each field path', async () => {
    const r = await runCli(['config', 'check'], {
      env: { LAUNCHCTL_CONFIG: 'data:' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('config file not found');
  });
});
