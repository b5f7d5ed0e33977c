import { mariadbBackend } from '../helpers/test-databases.js';
import { describeFeedbackEtlConformance } from './feedback-etl.conformance.js';

const mariadb = mariadbBackend('dataset versions with feedback');
if (mariadb !== null) describeFeedbackEtlConformance(mariadb);
