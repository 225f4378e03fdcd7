import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../config/validate.js';
import { checkEvent } from './event.js';
import { buildRules, replayEngagement } from './rules.js';
import { generateTraffic } from './simulate.js';

const base = { seed: 7, users: 300, durationMs: 60_000, startMs: 1_764_500_000_000, paths: ['/', '/pricing', '/docs'] };

describe('generateTraffic', () => {
  it('is reproducible from its seed and sorted by time', () => {
    const a = generateTraffic(base);
    expect(generateTraffic(base)).toEqual(a);
    expect(generateTraffic({ ...base, seed: 8 })).not.toEqual(a);
    for (let i = 1; i < a.length; i++) expect(a[i]!.timestamp).toBeGreaterThanOrEqual(a[i - 1]!.timestamp);
  });

  it('produces valid events on the launch paths, the exact total when asked', () => {
    const events = generateTraffic({ ...base, totalEvents: 5000 });
    expect(events).toHaveLength(5000);
    expect(new Set(events.map((e) => e.userId)).size).toBe(300);
    for (const e of events.slice(0, 200)) expect(checkEvent(e).ok).toBe(true);
    const paths = new Set(events.map((e) => e.payload.path));
    expect([...paths].sort()).toEqual(['/', '/docs', '/pricing']);
  });

  it('has a realistic mix: every variant shows up under the default rules', () => {
    const result = validateConfig({});
    if (!result.ok) throw new Error('defaults invalid');
    const states = replayEngagement(generateTraffic(base), buildRules(result.config.conversion));
    const variants = new Set([...states.values()].map((s) => s.variant));
    expect([...variants].sort()).toEqual(['default', 'pricing', 'video']);
    const types = new Set(generateTraffic(base).map((e) => e.eventType));
    expect(types.size).toBe(4);
  });
});
