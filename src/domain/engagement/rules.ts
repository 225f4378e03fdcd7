// The conversion rules as pure functions (SPEC.md "Conversion rules"), with the
// seed's bugs fixed. scripts/apply-events.lua implements the same rules on the
// Redis server; rules.test.ts and test/integration/engagement.test.ts check
// that both agree on the same table.
//
// The clock of the rules is the event's own client timestamp (`ts`), never the
// time of processing, so a state is a deterministic function of the events:
// replaying the same events gives the same state, which is what the crash test
// compares against.
//
// Order: confidence is a capped sum of non-negative weights, counted in whole
// micro-units so that floating-point addition order cannot matter, and
// min(cap, min(cap, a) + b) = min(cap, a + b): order-independent. `lastUpdated`
// is the largest ts seen: order-independent. `pricing` follows from the final
// confidence alone (confidence never decreases): order-independent. Only the
// `video` rule depends on order, because "idle" is the gap between an event and
// the one applied before it; an event that arrives older than lastUpdated
// (applied out of order) never counts as idle. The consumer applies one user's
// events in stream order except when XAUTOCLAIM hands a crashed consumer's
// entries to a consumer that already applied later ones (docs/consume.md).
import type { LaunchConfig } from '../../config/schema.js';
import type { EngagementEvent, EventType } from './event.js';

export const VARIANTS = ['default', 'pricing', 'video'] as const;
export type Variant = (typeof VARIANTS)[number];

/** Confidence is kept in whole millionths so sums are exact. */
export const CONFIDENCE_UNITS = 1_000_000;

export interface ConversionRules {
  weightUnits: Record<EventType, number>;
  pricingAtUnits: number;
  videoBelowUnits: number;
  idleMs: number;
  stateTtlS: number;
}

export function toUnits(fraction: number): number {
  return Math.round(fraction * CONFIDENCE_UNITS);
}

export function buildRules(conversion: LaunchConfig['conversion']): ConversionRules {
  const w = conversion.weights;
  return {
    weightUnits: { hover: toUnits(w.hover), scroll: toUnits(w.scroll), cta_click: toUnits(w.cta_click), form_submit: toUnits(w.form_submit) },
    pricingAtUnits: toUnits(conversion.pricingAt),
    videoBelowUnits: toUnits(conversion.videoBelow),
    idleMs: conversion.idleMs,
    stateTtlS: conversion.stateTtl,
  };
}

/** The part of conv:state:<userId> the rules decide (the value may carry more). */
export interface RuleState {
  variant: Variant;
  confidence: number;
  lastUpdated: number;
  /** Events applied to this state. */
  events: number;
}

export interface RuleEvent {
  eventType: EventType;
  ts: number;
}

/**
 * The state after one event. `prev` null means no state yet: the first event
 * has no previous update, so it can never count as idle.
 *
 * `video` tests the confidence the user had BEFORE this event (a low-engagement
 * user coming back after being idle). The seed tested the new confidence, and
 * with the default weights (each at least 0.2) no second event can leave it
 * below 0.3, so even with its clock bug fixed the branch was dead code. `pricing`
 * is tested first and wins.
 */
export function applyRules(prev: RuleState | null, event: RuleEvent, rules: ConversionRules): RuleState {
  const prevUnits = prev ? toUnits(prev.confidence) : 0;
  const units = Math.min(CONFIDENCE_UNITS, prevUnits + rules.weightUnits[event.eventType]);
  // The seed set lastUpdated = now before testing now - lastUpdated: never idle.
  const idleMs = prev ? event.ts - prev.lastUpdated : 0;
  let variant: Variant = prev?.variant ?? 'default';
  if (units >= rules.pricingAtUnits) variant = 'pricing';
  else if (prev && prevUnits < rules.videoBelowUnits && idleMs > rules.idleMs) variant = 'video';
  return {
    variant,
    confidence: units / CONFIDENCE_UNITS,
    lastUpdated: prev ? Math.max(prev.lastUpdated, event.ts) : event.ts,
    events: (prev?.events ?? 0) + 1,
  };
}

/** Applies events in the order given; the reference the crash test compares with. */
export function replayRules(events: Iterable<RuleEvent & { userId: string }>, rules: ConversionRules): Map<string, RuleState> {
  const states = new Map<string, RuleState>();
  for (const e of events) states.set(e.userId, applyRules(states.get(e.userId) ?? null, e, rules));
  return states;
}

/** replayRules over engagement events as ingested (timestamp rounded to whole ms, as in the stream). */
export function replayEngagement(events: Iterable<EngagementEvent>, rules: ConversionRules): Map<string, RuleState> {
  const states = new Map<string, RuleState>();
  for (const e of events) states.set(e.userId, applyRules(states.get(e.userId) ?? null, { eventType: e.eventType, ts: Math.round(e.timestamp) }, rules));
  return states;
}

/** Histogram bucket of a confidence, as the counters use it: min(9, floor(confidence * 10)). */
export function confidenceBucket(confidence: number): number {
  return Math.max(0, Math.min(9, Math.floor(confidence * 10)));
}
