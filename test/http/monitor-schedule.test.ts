import { sqliteBackend } from '../helpers/test-databases.js';
import { describeMonitorScheduleAcrossProcesses } from './monitor-schedule.conformance.js';

describeMonitorScheduleAcrossProcesses(sqliteBackend());
