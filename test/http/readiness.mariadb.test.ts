import { mariadbBackend } from '../helpers/test-databases.js';
import { describeReadiness } from './readiness.conformance.js';

const backend = mariadbBackend('readiness');
if (backend !== null) describeReadiness(backend);
