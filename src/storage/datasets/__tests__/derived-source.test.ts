import { sqliteBackend } from '../../../../test/helpers/test-databases.js';
import { describeDerivedSourceConformance } from './derived-source.conformance.js';

const sqlite = sqliteBackend();
describeDerivedSourceConformance('SQLite', () => sqlite.freshUrl());
