import { sqliteBackend } from '../helpers/test-databases.js';
import { describeDurability } from './durability.conformance.js';

describeDurability(sqliteBackend());
