import { sqliteBackend } from '../helpers/test-databases.js';
import { describeEtlConformance } from './etl.conformance.js';

describeEtlConformance(sqliteBackend());
