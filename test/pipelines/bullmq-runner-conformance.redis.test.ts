/**
 * The pipeline execution conformance suite on the BullMQ executor: this process dispatches onto a
 * private redis-server, two `sporeprint worker` processes (concurrency 2 each) run the tasks over the
 * same database (SQLite, and MariaDB when SPOREPRINT_TEST_MYSQL_URL is set).
 */
import { redisServerFor } from '../helpers/private-redis.js';
import { mariadbBackend, sqliteBackend } from '../helpers/test-databases.js';
import { bullmqRunnerEnv } from './bullmq-runner-env.js';
import { pipelineRunnerConformance } from './pipeline-runner.conformance.js';

if (redisServerFor('pipeline execution conformance (BullMQ)')) {
  const backend = sqliteBackend();
  pipelineRunnerConformance('BullMQ, 2 worker processes, SQLite', () => bullmqRunnerEnv(backend.freshUrl()));
  const mariadb = mariadbBackend('pipeline execution on BullMQ');
  if (mariadb !== null) {
    pipelineRunnerConformance('BullMQ, 2 worker processes, MariaDB', () =>
      bullmqRunnerEnv(mariadb.freshUrl()),
    );
  }
}
