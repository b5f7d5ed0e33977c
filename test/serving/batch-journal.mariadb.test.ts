import { mariadbBackend } from '../helpers/test-databases.js';
import { describeBatchJournal } from './batch-journal.conformance.js';

const backend = mariadbBackend('batch journal');
if (backend !== null) describeBatchJournal(backend);
