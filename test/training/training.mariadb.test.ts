import { mariadbBackend } from '../helpers/test-databases.js';
import { describeTrainingConformance } from './training.conformance.js';

const backend = mariadbBackend('training');
if (backend !== null) describeTrainingConformance(backend);
