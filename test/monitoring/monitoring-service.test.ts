import { sqliteBackend } from '../helpers/test-databases.js';
import { describeMonitoringServiceConformance } from './monitoring-service.conformance.js';

describeMonitoringServiceConformance(sqliteBackend());
