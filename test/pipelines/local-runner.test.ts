import { sqliteBackend } from '../helpers/test-databases.js';
import { localRunnerEnv } from './local-runner-env.js';
import { pipelineRunnerConformance } from './pipeline-runner.conformance.js';

const backend = sqliteBackend();
pipelineRunnerConformance('local runner, SQLite', () => localRunnerEnv(backend.freshUrl()));
