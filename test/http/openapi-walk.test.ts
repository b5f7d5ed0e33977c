import { sqliteBackend } from '../helpers/test-databases.js';
import { describeOpenApiWalk } from './openapi-walk.conformance.js';

describeOpenApiWalk(sqliteBackend());
