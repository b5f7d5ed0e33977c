import { mariadbBackend } from '../helpers/test-databases.js';
import { describeExperimentService } from './experiment-service.conformance.js';

const mariadb = mariadbBackend('experiment service');
if (mariadb !== null) describeExperimentService(mariadb);
