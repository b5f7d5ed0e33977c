import { mariadbTestDatabases } from '../../__tests__/mariadb-test-databases.js';
import { describePredictionStorageConformance } from './prediction-storage.conformance.js';

const dbs = mariadbTestDatabases('prediction storage conformance');
if (dbs !== null) describePredictionStorageConformance('MariaDB', () => dbs.freshUrl());
