import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeExperimentRepositoryConformance } from './experiment-repository.conformance.js';

const sqlite = sqliteBackend();
describeExperimentRepositoryConformance('SQLite', () => sqlite.freshUrl());
