import { sqliteBackend } from '../helpers/test-databases.js';
import { describeRegistryConformance } from './registry.conformance.js';

describeRegistryConformance(sqliteBackend());
