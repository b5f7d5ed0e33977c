import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describePipelineHistoryConformance } from './pipeline-history.conformance.js';
import { describePipelineRepositoryConformance } from './pipeline-repository.conformance.js';

const mariadb = mariadbBackend('pipeline repository conformance');
if (mariadb !== null) {
  describePipelineRepositoryConformance('MariaDB', () => mariadb.freshUrl());
  describePipelineHistoryConformance('MariaDB', () => mariadb.freshUrl());
}
