import { sqliteBackend } from '../helpers/test-databases.js';
import { describeExperimentRoutingConformance } from './experiment-routing.conformance.js';

describeExperimentRoutingConformance(sqliteBackend());
