import { mariadbBackend } from '../helpers/test-databases.js';
import { describeOpenApiWalk } from './openapi-walk.conformance.js';

const backend = mariadbBackend('OpenAPI walk');
if (backend !== null) describeOpenApiWalk(backend);
