import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The scale-out test (3 replicas, haproxy, 2 workers, a scheduler, a retrain under load) measures
 * failover and the monitoring schedule's ticks: it runs as its own project, after the others, so the
 * rest of the suite does not share its two cores (`npm test` runs `main`, then `cluster`).
 */
const CLUSTER = ['test/scale-out/cluster.test.ts'];

const shared = {
  // builds the dashboard (dist/web) when it is missing or stale
  globalSetup: ['test/global-setup.ts'],
  testTimeout: 300_000,
  hookTimeout: 300_000,
  pool: 'forks' as const,
  fileParallelism: true,
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    ...shared,
    projects: [
      {
        test: {
          ...shared,
          name: 'main',
          include: ['src/**/__tests__/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...CLUSTER],
        },
      },
      { test: { ...shared, name: 'cluster', include: CLUSTER } },
    ],
  },
});
