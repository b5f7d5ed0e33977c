import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeLeaseRepositoryConformance } from './lease-repository.conformance.js';

const sqlite = sqliteBackend();
describeLeaseRepositoryConformance('SQLite', () => sqlite.freshUrl());
