// The library API: what the README and docs/*.md document, no more (SPEC.md,
// "Architecture"). The app imports these so the app and the CLI share one
// implementation. test/e2e/public-api.test.ts lists every name: a change to
// this list is a change to the package's contract.
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from './config/load.js';
export type { LaunchConfig, LaunchConfigInput } from './config/schema.js';
export { connectRedis, closeRedis, withRedis, type RedisClient, type RedisMode } from './adapters/redis.js';
export { warm, type WarmOptions, type WarmRun, type WarmResult, type WarmPathResult, type WarmFallback } from './domain/warm/run.js';
export type { WarmPlan, WarmPlanEntry, WarmPredictiveInfo } from './domain/warm/plan.js';
export { ingestEngagement, InvalidEventError, EventTooLargeError, StreamFullError, type IngestOptions, type OomDiagnosis, type TrimNotice } from './domain/engagement/ingest.js';
export type { EngagementEvent, EventType } from './domain/engagement/event.js';
export { evaluateConversionPath, type EvaluateOptions } from './domain/engagement/apply.js';
export type { ConversionState } from './domain/state/state-value.js';
export { getPhStatus, getPhLeaderboard, readPhHistory, readPhRateLimit, type PhServiceOptions } from './domain/ph/service.js';
export type { PhStatus, PhLeaderboard, PhLeaderboardEntry, PhHistoryPoint, PhRateLimit } from './domain/ph/types.js';
export {
  LaunchctlError,
  UsageError,
  ConfigError,
  UnreachableError,
  InterruptedError,
  isLaunchctlError,
  EXIT_OK,
  EXIT_CHECK_FAILED,
  EXIT_USAGE,
  EXIT_UNREACHABLE,
  EXIT_INTERRUPTED,
  EXIT_INTERNAL,
} from './errors.js';
