import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeArmMetricsConformance } from './arm-metrics.conformance.js';

const mariadb = mariadbBackend('experiment arm metrics');
if (mariadb !== null) describeArmMetricsConformance('MariaDB', () => mariadb.freshUrl());
