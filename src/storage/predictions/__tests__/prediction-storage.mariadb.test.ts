import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describePredictionStorageConformance } from './prediction-storage.conformance.js';

const mariadb = mariadbBackend('prediction storage conformance');
if (mariadb !== null) describePredictionStorageConformance('MariaDB', () => mariadb.freshUrl());
