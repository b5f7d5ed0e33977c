import { mariadbBackend } from '../helpers/test-databases.js';
import { describeApiConformance } from './api.conformance.js';

const backend = mariadbBackend('HTTP API');
if (backend !== null) describeApiConformance(backend);
