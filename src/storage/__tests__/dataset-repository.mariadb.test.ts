import { describeStorageConformance } from './dataset-repository.conformance.js';
import { mariadbTestDatabases } from './mariadb-test-databases.js';

const dbs = mariadbTestDatabases('storage conformance');
if (dbs !== null) describeStorageConformance('MariaDB', () => dbs.freshUrl());
