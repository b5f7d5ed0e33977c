import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { describeFoldPendingConformance } from './fold-pending.conformance.js';

const mariadb = mariadbBackend('monitoring roll-up fold conformance');
if (mariadb !== null) describeFoldPendingConformance('MariaDB', () => mariadb.freshUrl());
