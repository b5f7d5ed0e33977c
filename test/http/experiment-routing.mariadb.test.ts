import { mariadbBackend } from '../helpers/test-databases.js';
import { describeExperimentRoutingConformance } from './experiment-routing.conformance.js';

const backend = mariadbBackend('experiment routing');
if (backend !== null) describeExperimentRoutingConformance(backend);
