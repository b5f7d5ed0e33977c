import { mariadbBackend } from '../helpers/test-databases.js';
import { localRunnerEnv } from './local-runner-env.js';
import { pipelineRunnerConformance } from './pipeline-runner.conformance.js';

const backend = mariadbBackend('pipeline execution');
if (backend !== null) {
  pipelineRunnerConformance('local runner, MariaDB', () => localRunnerEnv(backend.freshUrl()));
}
