/**
 * Faults of the Product Hunt API through the built CLI (npm run build first):
 * a trickling answer makes `ph` exit 3 within a bound (the deadline is total),
 * and a 429 with an absurd reset exits 3 with a warning and a reset of a
 * minute, never "in 1157d".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startProductHuntStandIn, type ProductHuntStandIn } from '../../src/standins/producthunt.js';
import { runCli } from '../helpers/cli.js';
import { sharedRedisUrl, useTestRedis } from '../helpers/redis.js';

const TOKEN = 'phtok_faults_cli_5e1a8b3c';
const dir = mkdtempSync(join(tmpdir(), 'launchctl-ph-faults-'));
const redis = useTestRedis();
let standIn: ProductHuntStandIn | undefined;
afterEach(async () => {
  await standIn?.stop();
  standIn = undefined;
});

async function setup(productHunt: Record<string, unknown> = {}): Promise<{ standIn: ProductHuntStandIn; configPath: string }> {
  standIn = await startProductHuntStandIn({ token: TOKEN });
  const configPath = join(dir, `${redis.prefix().replace(/\W/g, '')}.json`);
  writeFileSync(configPath, JSON.stringify({ redis: { url: sharedRedisUrl(), keyPrefix: redis.prefix() }, productHunt: { post: 'acme', apiUrl: standIn.url, ...productHunt } }));
  return { standIn, configPath };
}

describe('ph against a misbehaving API (built CLI)', () => {
  it('a trickling answer: exit 3 naming the timeout, well before the trickles end', async () => {
    const { standIn, configPath } = await setup({ timeoutMs: 1000 });
    standIn.fail(...Array.from({ length: 4 }, () => ({ kind: 'trickle' as const, everyMs: 500 })));
    const r = await runCli(['-c', configPath, 'ph'], { env: { PH_TOKEN: TOKEN }, timeoutMs: 40_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot reach the Product Hunt API at http:\/\/127\.0\.0\.1:\d+ \(timeout\)/);
    expect(r.durationMs).toBeLessThan(15_000);
  });

  it('a 429 with X-Rate-Limit-Reset: 100000000: exit 3 with a warning, the team waits a minute, not years', async () => {
    const { standIn, configPath } = await setup();
    standIn.exhaustBudget(100_000_000);
    const r = await runCli(['-c', configPath, 'ph'], { env: { PH_TOKEN: TOKEN }, timeoutMs: 40_000 });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/warning: Product Hunt: x-rate-limit-reset: \d{8,} is not a believable reset/);
    expect(r.stderr).not.toMatch(/\d+d\b/);
    const again = await runCli(['-c', configPath, 'ph', '--json'], { env: { PH_TOKEN: TOKEN }, timeoutMs: 40_000 });
    expect(again.code).toBe(3);
    // The first failure is shared for a few seconds, then the budget for a minute: either way no request.
    expect(again.stderr).toMatch(/429|budget is spent/);
    expect(again.stderr).not.toMatch(/\d+d\b/);
    expect(standIn.requestCount()).toBe(1);
  });
});
