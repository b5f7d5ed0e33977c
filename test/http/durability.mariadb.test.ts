import { mariadbBackend } from '../helpers/test-databases.js';
import { describeDurability } from './durability.conformance.js';

const backend = mariadbBackend('prediction log durability');
if (backend !== null) describeDurability(backend);
