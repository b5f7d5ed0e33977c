import { mariadbBackend } from '../helpers/test-databases.js';
import { describeExperimentsApi } from './experiments-api.conformance.js';

const mariadb = mariadbBackend('experiments API');
if (mariadb !== null) describeExperimentsApi(mariadb);
