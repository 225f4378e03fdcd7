// The cluster half of the test matrix (vitest.config.ts, project `cluster`): the
// integration suites of every verb run again against a throwaway three-master
// Redis Cluster on free ports. Tests reach it through the same helpers
// (sharedRedisUrl, makeConfig, useTestRedis), which read `redisCluster`.
import type { TestProject } from 'vitest/node';
import { startCluster, type LocalCluster } from './faults.js';

let cluster: LocalCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  cluster = await startCluster(3, 0);
  project.provide('redisUrl', cluster.url);
  project.provide('redisCluster', true);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
