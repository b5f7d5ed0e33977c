import { mariadbBackend } from '../helpers/test-databases.js';
import { describeMonitoringServiceConformance } from './monitoring-service.conformance.js';

const mariadb = mariadbBackend('monitoring service');
if (mariadb !== null) describeMonitoringServiceConformance(mariadb);
