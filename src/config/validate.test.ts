import { describe, expect, it } from 'vitest';
import { validateConfig } from './validate.js';

describe('validateConfig', () => {
  it('applies every default to an empty file', () => {
    const r = validateConfig({});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config.warm.jitter).toBe(0.15);
    expect(r.config.streams).toEqual({ maxLen: 50_000, retentionDays: 7, group: 'conversion', maxEventBytes: 65_536 });
    expect(r.config.conversion.weights.form_submit).toBe(1);
    expect(r.config.thresholds.warmupSuccessRate).toBe(0.95);
    expect(r.config.productHunt).toBeUndefined();
  });

  it('names the field path and what was received', () => {
    const r = validateConfig({ warm: { paths: [{ path: '/', ttl: 300 }, { path: '/a', ttl: 5 }, { path: '/pricing', ttl: '300s' }] } });
    expect(r).toEqual({ ok: false, errors: ['warm.paths[2].ttl: expected a positive integer, received "300s"'] });
  });

  it('reports unknown fields, bad URLs and t0 not in UTC', () => {
    const r = validateConfig({ typo: 1, redis: { url: 'http://x' }, launch: { t0: '2026-12-08T08:01:00+02:00' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('(config): unknown field "typo"');
    expect(r.errors).toContain('redis.url: expected a redis:// or rediss:// URL, received "http://x"');
    expect(r.errors.some((e) => e.startsWith('launch.t0: expected an ISO-8601 instant in UTC'))).toBe(true);
  });

  it('refuses a secret value where an environment variable name belongs', () => {
    const r = validateConfig({ productHunt: { post: 'acme', tokenEnv: 'ph_live abc-123' } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors[0]).toMatch(/^productHunt\.tokenEnv: expected the name of an environment variable/);
  });
});
