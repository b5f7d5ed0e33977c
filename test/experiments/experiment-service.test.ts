import { sqliteBackend } from '../helpers/test-databases.js';
import { describeExperimentService } from './experiment-service.conformance.js';

describeExperimentService(sqliteBackend());
