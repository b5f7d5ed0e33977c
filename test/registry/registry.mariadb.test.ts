import { mariadbBackend } from '../helpers/test-databases.js';
import { describeRegistryConformance } from './registry.conformance.js';

const backend = mariadbBackend('model registry');
if (backend !== null) describeRegistryConformance(backend);
