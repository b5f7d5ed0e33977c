import { sqliteBackend } from '../helpers/test-databases.js';
import { describeReadiness } from './readiness.conformance.js';

describeReadiness(sqliteBackend());
