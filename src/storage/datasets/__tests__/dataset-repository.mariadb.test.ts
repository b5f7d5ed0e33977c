import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeStorageConformance } from './dataset-repository.conformance.js';

const mariadb = mariadbBackend('storage conformance');
if (mariadb !== null) describeStorageConformance('MariaDB', () => mariadb.freshUrl());
