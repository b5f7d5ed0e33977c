import { sqliteBackend } from '../helpers/test-databases.js';
import { describeBatchJournal } from './batch-journal.conformance.js';

describeBatchJournal(sqliteBackend());
