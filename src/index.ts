// The library API: the app imports these so the app and the CLI share one
// implementation (SPEC.md, "Architecture").
export { loadConfig, maskUrl } from './config/load.js';
export { validateConfig } from './config/validate.js';
export { configSchema, type LaunchConfig, type LaunchConfigInput } from './config/schema.js';
export { createKeys, type Keys } from './keys.js';
export { connectRedis, withRedis, type RedisClient } from './adapters/redis.js';
export * from './errors.js';
