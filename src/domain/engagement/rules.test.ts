import { describe, expect, it } from 'vitest';
import { CONVERSION_CASES } from '../../../test/fixtures/conversion-cases.js';
import { validateConfig } from '../../config/validate.js';
import type { LaunchConfigInput } from '../../config/schema.js';
import { applyRules, buildRules, replayRules, type RuleState } from './rules.js';

function rulesFor(conversion: LaunchConfigInput['conversion'] = {}) {
  const result = validateConfig({ conversion });
  if (!result.ok) throw new Error(result.errors.join('\n'));
  return buildRules(result.config.conversion);
}

describe('conversion rules (pure)', () => {
  it.each(CONVERSION_CASES)('$name', ({ conversion, events, expect: expected }) => {
    const rules = rulesFor(conversion);
    let state: RuleState | null = null;
    for (const [eventType, ts] of events) state = applyRules(state, { eventType, ts }, rules);
    expect(state).toEqual(expected);
  });

  it('the seed bug is gone: an idle low-confidence user gets video, measured from the previous update', () => {
    const rules = rulesFor();
    const first = applyRules(null, { eventType: 'hover', ts: 1_000 }, rules);
    expect(applyRules(first, { eventType: 'hover', ts: 1_000 + rules.idleMs + 1 }, rules).variant).toBe('video');
    expect(applyRules(first, { eventType: 'hover', ts: 1_000 + rules.idleMs }, rules).variant).toBe('default');
  });

  it('confidence, lastUpdated and pricing do not depend on the order of events', () => {
    const rules = rulesFor({ weights: { hover: 0.1, scroll: 0.2, cta_click: 0.7 } });
    const events = [
      { userId: 'u', eventType: 'hover' as const, ts: 5 },
      { userId: 'u', eventType: 'scroll' as const, ts: 1 },
      { userId: 'u', eventType: 'hover' as const, ts: 9 },
      { userId: 'u', eventType: 'cta_click' as const, ts: 3 },
    ];
    const forward = replayRules(events, rules).get('u')!;
    const backward = replayRules([...events].reverse(), rules).get('u')!;
    expect(backward).toEqual(forward);
    expect(forward).toMatchObject({ confidence: 1, lastUpdated: 9, variant: 'pricing', events: 4 });
  });

  it('replayRules keeps one state per user', () => {
    const states = replayRules(
      [
        { userId: 'a', eventType: 'hover', ts: 1 },
        { userId: 'b', eventType: 'form_submit', ts: 2 },
        { userId: 'a', eventType: 'scroll', ts: 3 },
      ],
      rulesFor(),
    );
    expect(states.get('a')).toMatchObject({ confidence: 0.5, events: 2, variant: 'default' });
    expect(states.get('b')).toMatchObject({ confidence: 1, events: 1, variant: 'pricing' });
  });
});
