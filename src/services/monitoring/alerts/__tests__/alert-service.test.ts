import { sqliteBackend } from '../../../../../test/helpers/test-databases.js';
import { describeAlertServiceConformance } from './alert-service.conformance.js';

const sqlite = sqliteBackend();
describeAlertServiceConformance('SQLite', () => sqlite.freshUrl());
