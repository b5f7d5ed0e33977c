import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describePipelineHistoryConformance } from './pipeline-history.conformance.js';
import { describePipelineRepositoryConformance } from './pipeline-repository.conformance.js';

const sqlite = sqliteBackend();
describePipelineRepositoryConformance('SQLite', () => sqlite.freshUrl());
describePipelineHistoryConformance('SQLite', () => sqlite.freshUrl());
