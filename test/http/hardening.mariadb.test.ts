import { mariadbBackend } from '../helpers/test-databases.js';
import { describeHardening } from './hardening.conformance.js';

const backend = mariadbBackend('HTTP hardening');
if (backend !== null) describeHardening(backend);
