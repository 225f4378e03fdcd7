/**
 * `launchctl checklist` end to end: the built CLI as a process, CI cleared.
 * Covers exit codes 0 / 1 / 2 / 3, --json (one document, on pass and on fail),
 * --junit (the file parses and names the failures), --strict, GitHub
 * annotations (on stdout, or on stderr under --json), --list, --only/--skip
 * with unknown ids, the phase from launch.t0, and the T+1 --report file.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/adapters/redis-server.js';
import { runCli } from '../helpers/cli.js';
import { sharedRedisUrl, testPrefix } from '../helpers/redis.js';

const dir = mkdtempSync(join(tmpdir(), 'launchctl-checklist-'));
const HOUR = 3_600_000;

function writeConfig(name: string, input: Record<string, unknown> = {}, t0Offset: number | null = 3 * 24 * HOUR): string {
  const path = join(dir, `${name}.json`);
  const launch = t0Offset === null ? {} : { t0: new Date(Date.now() + t0Offset).toISOString().replace(/\.\d+Z$/, 'Z') };
  writeFileSync(path, JSON.stringify({ launch, redis: { url: sharedRedisUrl(), keyPrefix: testPrefix() }, ...input }));
  return path;
}

interface ChecklistDoc {
  version: number;
  phase: string;
  passed: boolean;
  counts: Record<string, number>;
  checks: { id: string; status: string; expected: string; found: string; hint: string; title: string }[];
}

function parseDoc(stdout: string): ChecklistDoc {
  const lines = stdout.trim().split('\n');
  expect(lines, 'exactly one JSON document on stdout').toHaveLength(1);
  return JSON.parse(lines[0]!) as ChecklistDoc;
}

const PASSING = 'launch.t0,redis.reachable,redis.version,warm.jitter';

describe('launchctl checklist', () => {
  it('passes (exit 0) and prints the JSON document', async () => {
    const r = await runCli(['-c', writeConfig('pass'), 'checklist', '--only', PASSING, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = parseDoc(r.stdout);
    expect(doc).toMatchObject({ version: 1, phase: 't-7', passed: true, counts: { pass: 4, warn: 0, fail: 0, skip: 0 } });
    expect(doc.checks.map((c) => c.id)).toEqual(PASSING.split(','));
    expect(Object.keys(doc.checks[0]!)).toEqual(['id', 'title', 'status', 'expected', 'found', 'hint']);
  });

  it('a failed check: exit 1, the JSON still printed, JUnit names the failure, annotations on stderr under --json', async () => {
    const junit = join(dir, 'fail.xml');
    // The shared test server runs without maxmemory.
    const r = await runCli(['-c', writeConfig('fail'), 'checklist', 't-1', '--only', `${PASSING},redis.maxmemory,streams.group`, '--json', '--junit', junit], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const doc = parseDoc(r.stdout);
    expect(doc).toMatchObject({ phase: 't-1', passed: false, counts: { pass: 4, warn: 1, fail: 1, skip: 0 } });
    expect(doc.checks.find((c) => c.id === 'redis.maxmemory')).toMatchObject({ status: 'fail', found: '0 (no limit)' });
    expect(r.stderr).toMatch(/^::error title=checklist t-1 redis\.maxmemory::Redis memory limit set: expected maxmemory > 0, found 0 \(no limit\)/m);
    expect(r.stderr).toMatch(/^::warning title=checklist t-1 streams\.group::/m);

    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1\.0" encoding="UTF-8"\?>/);
    expect(xml).toMatch(/<testsuite name="launchctl checklist t-1" tests="6" failures="1" errors="0" skipped="0"/);
    expect(xml.match(/<testcase /g)).toHaveLength(6);
    expect(xml.match(/<failure /g)).toHaveLength(1);
    expect(xml).toMatch(/<testcase classname="launchctl\.checklist\.redis" name="redis\.maxmemory: Redis memory limit set" time="0">\s*<failure type="fail"/);
    expect(xml.match(/<testcase/g)?.length).toBe(xml.match(/<\/testcase>/g)?.length);
  });

  it('plain output in CI: one block per check, the verdict last, annotations on stdout; --strict fails on warnings', async () => {
    const config = writeConfig('strict');
    const lenient = await runCli(['-c', config, 'checklist', 't-1', '--only', `${PASSING},streams.group`], { env: { CI: 'true', GITHUB_ACTIONS: 'true' } });
    expect(lenient.code).toBe(0);
    expect(lenient.stdout).toMatch(/^WARN {2}streams\.group: Consumer group keeping up$/m);
    expect(lenient.stdout).toMatch(/^::warning title=checklist t-1 streams\.group::/m);
    expect(lenient.stdout).not.toContain('\u001b[');
    expect(lenient.stdout).toContain('✓ checklist t-1 passed: 4 passed, 1 warning, 0 failed, 0 skipped');
    const strict = await runCli(['-c', config, 'checklist', 't-1', '--only', `${PASSING},streams.group`, '--strict']);
    expect(strict.code).toBe(1);
    expect(strict.stdout.trim().split('\n').at(-1)).toBe('✗ checklist t-1 FAILED: 4 passed, 1 warning, 0 failed, 0 skipped (--strict: warnings fail)');
  });

  it('Redis unreachable: exit 3 within seconds, the report still printed, the password never', async () => {
    const port = await findFreePort();
    const config = writeConfig('down', { redis: { url: `redis://:s3cretpass@127.0.0.1:${port}`, connectTimeoutMs: 1000 } });
    const r = await runCli(['-c', config, 'checklist', 't-1', '--json', '--only', 'redis.reachable,redis.version,warm.jitter']);
    expect(r.code).toBe(3);
    const doc = parseDoc(r.stdout);
    expect(doc.passed).toBe(false);
    expect(doc.checks.map((c) => c.status)).toEqual(['fail', 'skip', 'pass']);
    expect(doc.checks[0]!.found).toContain('ECONNREFUSED');
    expect(r.stdout + r.stderr).not.toContain('s3cretpass');
    expect(r.durationMs).toBeLessThan(15_000);
  });

  it('usage errors exit 2: unknown ids (listing the valid ones), a bad phase, no phase without launch.t0', async () => {
    const config = writeConfig('usage');
    const unknown = await runCli(['-c', config, 'checklist', '--only', 'redis.version,redis.nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--only: unknown check id "redis.nope"');
    expect(unknown.stderr).toContain('valid ids: launch.t0, redis.reachable');
    const skip = await runCli(['-c', config, 'checklist', '--skip', 'nope']);
    expect(skip.code).toBe(2);
    const phase = await runCli(['-c', config, 'checklist', 't-2']);
    expect(phase.code).toBe(2);
    expect(phase.stderr).toContain('phase: expected one of t-7, t-1, t0, t+1, received "t-2"');
    const junit = await runCli(['-c', config, 'checklist', '--only', 'warm.jitter', '--junit', join(dir, 'no-such-dir', 'x.xml')]);
    expect(junit.code).toBe(2);
    expect(junit.stderr).toContain('--junit: cannot write');
    const noT0 = await runCli(['-c', writeConfig('no-t0', {}, null), 'checklist', '--json']);
    expect(noT0.code).toBe(2);
    expect(noT0.stderr).toContain('no phase given and launch.t0 is not set');
    expect(JSON.parse(noT0.stdout)).toMatchObject({ version: 1, error: { type: 'UsageError' } });
  });

  it('--list prints every check with its phases, without a config or Redis', async () => {
    const r = await runCli(['checklist', '--list'], { cwd: dir });
    expect(r.code).toBe(0);
    for (const id of ['launch.t0', 'redis.headroom', 'streams.group', 'site.tls', 'warm.markers', 'ph.budget', 'launch.report']) expect(r.stdout).toMatch(new RegExp(`^${id.replace('.', '\\.')} `, 'm'));
    const json = await runCli(['checklist', '--list', '--json'], { cwd: dir });
    const doc = JSON.parse(json.stdout) as { version: number; checks: { id: string; phases: string[] }[] };
    expect(doc.version).toBe(1);
    expect(doc.checks.find((c) => c.id === 'warm.markers')?.phases).toEqual(['t0']);
  });

  it.each([
    ['in 12h', 12 * HOUR, 't-1'],
    ['2h ago', -2 * HOUR, 't0'],
    ['30h ago', -30 * HOUR, 't+1'],
  ])('without a phase, launch.t0 %s picks %s', async (_label, t0Offset, phase) => {
    const r = await runCli(['-c', writeConfig(`phase-${phase}`, {}, t0Offset), 'checklist', '--only', 'launch.t0', '--json']);
    expect(parseDoc(r.stdout).phase).toBe(phase);
    expect(r.code).toBe(0);
  });

  it('T+1 writes the launch report with --report', async () => {
    const report = join(dir, 'launch-report.json');
    const r = await runCli(['-c', writeConfig('t1', {}, -30 * HOUR), 'checklist', '--only', 'launch.report', '--report', report, '--json']);
    expect(r.code).toBe(0);
    expect(parseDoc(r.stdout).checks[0]).toMatchObject({ id: 'launch.report', status: 'warn' });
    expect(existsSync(report)).toBe(true);
    const doc = JSON.parse(readFileSync(report, 'utf8')) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(['version', 'launch', 'generatedAt', 'productHunt', 'events', 'users', 'variants', 'warm', 'memory', 'missing']);
  });
});
