import { mariadbBackend } from '../helpers/test-databases.js';
import { describeMonitorScheduleAcrossProcesses } from './monitor-schedule.conformance.js';

const backend = mariadbBackend('monitoring schedule');
if (backend !== null) describeMonitorScheduleAcrossProcesses(backend);
