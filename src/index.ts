// The library API: the app imports these so the app and the CLI share one
// implementation (SPEC.md, "Architecture").
export { loadConfig } from './config/load.js';
export { maskUrl } from './util/mask.js';
export { validateConfig } from './config/validate.js';
export { configSchema, type LaunchConfig, type LaunchConfigInput } from './config/schema.js';
export { createKeys, type Keys } from './keys.js';
export { connectRedis, withRedis, type RedisClient } from './adapters/redis.js';
export {
  warm,
  runWarm,
  type WarmOptions,
  type WarmRun,
  type WarmResult,
  type WarmPathResult,
  type WarmFallback,
} from './domain/warm/run.js';
export { planWarm, type WarmPlan, type WarmPlanEntry } from './domain/warm/plan.js';
export { jitterTtl, planPredictiveFactors } from './domain/warm/ttl.js';
export { startSiteStandIn, type SiteStandIn, type SiteStandInOptions } from './standins/site.js';
export {
  getPhStatus,
  getPhLeaderboard,
  readPhRateLimit,
  readPhHistory,
  DEFAULT_MAX_WAIT_MS as PH_DEFAULT_MAX_WAIT_MS,
  type PhServiceOptions,
  type PhStatus,
  type PhLeaderboard,
  type PhLeaderboardEntry,
  type PhRateLimit,
  type PhHistoryPoint,
} from './domain/ph/service.js';
export { pacificDay, type PhDay } from './domain/ph/day.js';
export { startProductHuntStandIn, type ProductHuntStandIn, type ProductHuntStandInOptions, type PhFault } from './standins/producthunt.js';
export { collectSnapshot, createWatchCollector, commandsPerRefresh, type WatchSources, type WatchCollector } from './domain/watch/collect.js';
export { renderDashboard, renderLine, renderLineHeader, type DashboardSize, type DashboardOptions } from './domain/watch/render.js';
export { buildWatchDocument } from './domain/watch/document.js';
export { computeRates, type WatchRates } from './domain/watch/rates.js';
export { createPhPanelSource, type PhPanelSource } from './domain/watch/ph-panel.js';
export type { WatchSnapshot } from './domain/watch/snapshot.js';
export { checkStateValue, confidenceBucket, type ConversionSummary } from './domain/state/state-value.js';
export { readConversionSummary, writeConversionCounters, type CountersSummary } from './domain/state/summary.js';
export { scanConversionStates, type DeepScanOptions, type DeepScanResult, type CorruptValue } from './domain/state/deep-scan.js';
export { planTrim, oldestUnackedId, type StreamTrimPlan, type TrimOptions } from './domain/streams/trim-plan.js';
export { trimStreams, type TrimRunOptions, type TrimRunResult } from './domain/streams/trim.js';
export { engagementEventSchema, checkEvent, type EngagementEvent, type EventType } from './domain/engagement/event.js';
export { ingestEngagement, ingestEvents, addEvents, InvalidEventError, EventTooLargeError, StreamFullError, type IngestOptions, type TrimNotice, type OomDiagnosis } from './domain/engagement/ingest.js';
export { evaluateConversionPath, type EvaluateOptions } from './domain/engagement/apply.js';
export type { ConversionState } from './domain/state/state-value.js';
export { applyRules, buildRules, replayEngagement, type ConversionRules, type RuleState } from './domain/engagement/rules.js';
export { runConsumer, type ConsumerOptions, type ConsumeTotals } from './domain/engagement/consumer.js';
export { ingestLines, type NdjsonResult } from './domain/engagement/ndjson.js';
export { generateTraffic, driveTraffic, seededRandom, type TrafficOptions, type DriveOptions, type DriveResult } from './domain/engagement/simulate.js';
export { runChecklist, type RunChecklistOptions, type ChecklistRun } from './domain/checklist/run.js';
export { CHECKS, selectChecks, parseCheckIds } from './domain/checklist/registry.js';
export { choosePhase, phaseAt, parsePhase } from './domain/checklist/phase.js';
export { checklistExitCode, toChecklistJson, type ChecklistReport } from './domain/checklist/report.js';
export { renderJunit } from './domain/checklist/junit.js';
export { renderGithubAnnotations } from './domain/checklist/github.js';
export { buildLaunchReport, type LaunchReport } from './domain/checklist/launch-report.js';
export type { CheckDefinition, CheckResult, CheckStatus, Phase as ChecklistPhase } from './domain/checklist/types.js';
export * from './errors.js';
