import { defineConfig } from 'vitest/config';

/**
 * The test matrix: every test against a standalone redis-server (`standalone`),
 * and the integration suites of every verb again against a local three-master
 * Redis Cluster (`cluster`). `npm test` runs both.
 */
const CLUSTER_SUITES = [
  ...['warm', 'engagement', 'state', 'trim', 'watch', 'watch-ph', 'ph', 'checklist'].map((s) => `test/integration/${s}.test.ts`),
  // The built CLI on the cluster: warm's markers per node; ten `ph` processes, one upstream request.
  ...['warm', 'ph'].map((s) => `test/e2e/${s}.test.ts`),
];

const common = {
  testTimeout: 30_000,
  hookTimeout: 30_000,
};

export default defineConfig({
  test: {
    // Two cores on CI: integration and e2e files each start processes.
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'standalone', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], globalSetup: ['test/helpers/global-setup.ts'] } },
      { test: { ...common, name: 'cluster', include: CLUSTER_SUITES, globalSetup: ['test/helpers/global-setup-cluster.ts'] } },
    ],
  },
});
