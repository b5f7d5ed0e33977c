import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeDerivedSourceConformance } from './derived-source.conformance.js';

const mariadb = mariadbBackend('derived sources');
if (mariadb !== null) describeDerivedSourceConformance('MariaDB', () => mariadb.freshUrl());
