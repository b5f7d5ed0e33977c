import { sqliteBackend } from '../helpers/test-databases.js';
import { describeApiConformance } from './api.conformance.js';

describeApiConformance(sqliteBackend());
