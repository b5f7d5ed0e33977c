import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeArmMetricsConformance } from './arm-metrics.conformance.js';

const sqlite = sqliteBackend();
describeArmMetricsConformance('SQLite', () => sqlite.freshUrl());
