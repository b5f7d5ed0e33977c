import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeFoldPendingConformance } from './fold-pending.conformance.js';

const sqlite = sqliteBackend();
describeFoldPendingConformance('SQLite', () => sqlite.freshUrl());
