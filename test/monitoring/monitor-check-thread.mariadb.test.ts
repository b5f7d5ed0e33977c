import { mariadbBackend } from '../helpers/test-databases.js';
import { describeMonitorCheckThread } from './monitor-check-thread.conformance.js';

const mariadb = mariadbBackend('monitoring checks on their own thread');
if (mariadb !== null) describeMonitorCheckThread(mariadb);
