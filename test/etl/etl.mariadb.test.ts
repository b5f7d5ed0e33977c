import { mariadbBackend } from '../helpers/test-databases.js';
import { describeEtlConformance } from './etl.conformance.js';

const backend = mariadbBackend('ETL');
if (backend !== null) describeEtlConformance(backend);
