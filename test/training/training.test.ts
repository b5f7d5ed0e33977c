import { sqliteBackend } from '../helpers/test-databases.js';
import { describeTrainingConformance } from './training.conformance.js';

describeTrainingConformance(sqliteBackend());
