import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeAlertRepositoryConformance } from './alert-repository.conformance.js';

const mariadb = mariadbBackend('alert repository conformance');
if (mariadb !== null) describeAlertRepositoryConformance('MariaDB', () => mariadb.freshUrl());
