import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeLeaseRepositoryConformance } from './lease-repository.conformance.js';

const mariadb = mariadbBackend('lease repository conformance');
if (mariadb !== null) describeLeaseRepositoryConformance('MariaDB', () => mariadb.freshUrl());
