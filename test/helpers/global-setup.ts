// One throwaway redis-server for the whole run, on a free port. Tests isolate
// themselves by key prefix (test/helpers/redis.ts); tests that need a server
// configured differently (tiny maxmemory, a restart) start their own.
import type { TestProject } from 'vitest/node';
import { startRedisServer, type RedisServerHandle } from '../../src/adapters/redis-server.js';

let server: RedisServerHandle | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startRedisServer();
  project.provide('redisUrl', server.url);
  project.provide('redisCluster', false);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
    /** True in the `cluster` project: redisUrl is the seed node of a three-master cluster. */
    redisCluster: boolean;
  }
}
