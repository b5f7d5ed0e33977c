import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeAlertRepositoryConformance } from './alert-repository.conformance.js';

const sqlite = sqliteBackend();
describeAlertRepositoryConformance('SQLite', () => sqlite.freshUrl());
