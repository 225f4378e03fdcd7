/**
 * Lines longer than streams.maxEventBytes: `launchctl ingest` rejects each
 * with its line number and size and ingests the others (exit 1), and never
 * holds such a line whole: a 50 MB line through stdin goes by with the V8 heap
 * capped at 48 MB (a reader that built the line as a string would die there).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { useTestRedis } from '../helpers/redis.js';
import { countMarkers, markedLine, todayStream, writeCliConfig } from './ingest-helpers.js';

const redis = useTestRedis();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'launchctl-faults-oversized-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('ingest with lines over streams.maxEventBytes', () => {
  it('rejects each long line with its number and size, ingests the rest', async () => {
    const long = (line: number, pad: number) => JSON.stringify({ ...(JSON.parse(markedLine(line)) as object), payload: { line, pad: 'x'.repeat(pad) } });
    const lines = [markedLine(1), markedLine(2), long(3, 1000), markedLine(4), long(5, 100_000), markedLine(6)];
    const file = join(dir, 'long.ndjson');
    await writeFile(file, `${lines.join('\r\n')}\r\n`);
    const config = await writeCliConfig(dir, redis.url(), redis.prefix(), { streams: { maxEventBytes: 300 } });
    const r = await runCli(['-c', config, 'ingest', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain('ingested 4 events');
    expect(r.stdout).toContain(`line 3: ${Buffer.byteLength(lines[2]!)} bytes, over streams.maxEventBytes 300`);
    expect(r.stdout).toContain(`line 5: ${Buffer.byteLength(lines[4]!)} bytes, over streams.maxEventBytes 300`);
    const counts = await countMarkers(redis.client(), todayStream(redis.prefix()));
    expect([...counts.keys()].sort()).toEqual([1, 2, 4, 6]);
  });

  it('skips a 50 MB line from stdin without holding it (heap capped at 48 MB)', async () => {
    const config = await writeCliConfig(dir, redis.url(), redis.prefix());
    const cli = startCli(['-c', config, '--json', 'ingest', '-'], { NODE_OPTIONS: '--max-old-space-size=48' });
    cli.child.stdin.on('error', () => undefined);
    const write = (data: string | Buffer) => new Promise<void>((resolve) => (cli.child.stdin.write(data) ? resolve() : cli.child.stdin.once('drain', resolve)));
    const head = '{"userId":"x","payload":{"pad":"';
    const tail = '"}}';
    await write(`${markedLine(1)}\n${head}`);
    const mb = Buffer.alloc(1024 * 1024, 'y');
    for (let i = 0; i < 50; i++) await write(mb);
    await write(`${tail}\n${markedLine(3)}\n`);
    cli.child.stdin.end();
    expect(await cli.exited, cli.stderr()).toBe(1);
    const doc = JSON.parse(cli.stdout()) as { ingested: number; errors: { line: number; reason: string }[] };
    expect(doc.ingested).toBe(2);
    expect(doc.errors).toEqual([{ line: 2, reason: `${head.length + 50 * 1024 * 1024 + tail.length} bytes, over streams.maxEventBytes 65536` }]);
    expect([...(await countMarkers(redis.client(), todayStream(redis.prefix()))).keys()].sort()).toEqual([1, 3]);
  }, 30_000);
});
