import { mariadbBackend } from '../../../../../test/helpers/test-databases.js';
import { describeAlertServiceConformance } from './alert-service.conformance.js';

const mariadb = mariadbBackend('alert service conformance');
if (mariadb !== null) describeAlertServiceConformance('MariaDB', () => mariadb.freshUrl());
