import { sqliteBackend } from '../helpers/test-databases.js';
import { describeFeedbackEtlConformance } from './feedback-etl.conformance.js';

describeFeedbackEtlConformance(sqliteBackend());
