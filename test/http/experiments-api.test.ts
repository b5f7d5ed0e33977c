import { sqliteBackend } from '../helpers/test-databases.js';
import { describeExperimentsApi } from './experiments-api.conformance.js';

describeExperimentsApi(sqliteBackend());
