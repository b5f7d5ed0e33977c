import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeExperimentRepositoryConformance } from './experiment-repository.conformance.js';

const mariadb = mariadbBackend('experiment repository conformance');
if (mariadb !== null) describeExperimentRepositoryConformance('MariaDB', () => mariadb.freshUrl());
