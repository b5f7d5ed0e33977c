/**
 * The pipeline execution conformance suite on the BullMQ executor: this process dispatches onto a
 * private redis-server, two `sporeprint worker` processes (concurrency 2 each) run the tasks over the
 * same database (SQLite, and MariaDB when SPOREPRINT_TEST_MYSQL_URL is set).
 */
import { describe, it } from 'vitest';
import { hasRedisServer } from '../helpers/private-redis.js';
import { mariadbBackend, sqliteBackend } from '../helpers/test-databases.js';
import { bullmqRunnerEnv } from './bullmq-runner-env.js';
import { pipelineRunnerConformance } from './pipeline-runner.conformance.js';

if (hasRedisServer()) {
  const backend = sqliteBackend();
  pipelineRunnerConformance('BullMQ, 2 worker processes, SQLite', () => bullmqRunnerEnv(backend.freshUrl()));
  const mariadb = mariadbBackend('pipeline execution on BullMQ');
  if (mariadb !== null) {
    pipelineRunnerConformance('BullMQ, 2 worker processes, MariaDB', () =>
      bullmqRunnerEnv(mariadb.freshUrl()),
    );
  }
} else {
  if (process.env.SPOREPRINT_REQUIRE_SERVICES) {
    throw new Error('SPOREPRINT_REQUIRE_SERVICES is set but redis-server is not on the PATH');
  }
  describe.skip('pipeline execution conformance (BullMQ): redis-server not on the PATH', () => {
    it('needs a redis-server binary', () => {});
  });
}
