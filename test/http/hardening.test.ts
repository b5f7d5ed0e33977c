import { sqliteBackend } from '../helpers/test-databases.js';
import { describeHardening } from './hardening.conformance.js';

describeHardening(sqliteBackend());
