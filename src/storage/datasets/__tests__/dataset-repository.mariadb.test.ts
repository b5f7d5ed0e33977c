import { mariadbTestDatabases } from '../../__tests__/mariadb-test-databases.js';
import { describeStorageConformance } from './dataset-repository.conformance.js';

const dbs = mariadbTestDatabases('storage conformance');
if (dbs !== null) describeStorageConformance('MariaDB', () => dbs.freshUrl());
