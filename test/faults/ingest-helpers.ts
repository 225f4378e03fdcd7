// Shared by the ingest fault tests: marked NDJSON input, configs for the built
// CLI, and the exactly-once check (every input line in the stream once).
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Cluster, Redis } from 'ioredis';
import { expect } from 'vitest';
import { createKeys, utcDay } from '../../src/keys.js';

export { seededRandom } from '../../src/util/random.js';

/** One event line whose payload names its line number (the marker the checks count). */
export function markedLine(line: number): string {
  return JSON.stringify({ userId: randomUUID(), eventType: 'hover', payload: { path: '/pricing', line }, timestamp: 1_764_500_000_000 + line });
}

/** An NDJSON file of `count` marked lines; returns its path. */
export async function writeMarkedFile(dir: string, name: string, count: number): Promise<string> {
  const path = join(dir, name);
  const lines: string[] = [];
  for (let i = 1; i <= count; i++) lines.push(markedLine(i));
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** A config file for the CLI: Redis at `url` under `prefix`, short timeouts so fault tests stay quick. */
export async function writeCliConfig(dir: string, url: string, prefix: string, extra: Record<string, unknown> = {}): Promise<string> {
  const path = join(dir, `config-${randomUUID()}.json`);
  await writeFile(path, JSON.stringify({ redis: { url, keyPrefix: prefix, connectTimeoutMs: 500 }, ...extra }));
  return path;
}

export function todayStream(prefix: string): string {
  return createKeys(prefix).engagementStream(utcDay(Date.now()));
}

/** How many times each line marker is in the stream. */
export async function countMarkers(client: Redis | Cluster, stream: string): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  let from = '-';
  for (;;) {
    const entries = (await client.xrange(stream, from, '+', 'COUNT', 10_000)) as [string, string[]][];
    for (const [, fields] of entries) {
      const payload = JSON.parse(fields[fields.indexOf('payload') + 1]!) as { line: number };
      counts.set(payload.line, (counts.get(payload.line) ?? 0) + 1);
    }
    if (entries.length < 10_000) return counts;
    from = `(${entries[entries.length - 1]![0]}`;
  }
}

/** Every line 1..count exactly once (and nothing else); `context` (the seed) goes in the failure message. */
export function expectExactlyOnce(counts: Map<number, number>, count: number, context: string): void {
  const missing: number[] = [];
  const doubled: number[] = [];
  for (let i = 1; i <= count; i++) {
    const n = counts.get(i) ?? 0;
    if (n === 0) missing.push(i);
    if (n > 1) doubled.push(i);
  }
  const extra = [...counts.keys()].filter((k) => k < 1 || k > count);
  expect({ missing: missing.slice(0, 10), missingCount: missing.length, doubled: doubled.slice(0, 10), doubledCount: doubled.length, extra }, context).toEqual({
    missing: [],
    missingCount: 0,
    doubled: [],
    doubledCount: 0,
    extra: [],
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
