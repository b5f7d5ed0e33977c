import { createConnection } from 'mysql2/promise';
import { mariadbBackend } from '../../../../test/helpers/test-databases.js';
import { parseDatabaseUrl } from '../../index.js';
import { describeModelStorageConformance } from './model-storage.conformance.js';

const mariadb = mariadbBackend('model storage conformance');
if (mariadb !== null) {
  describeModelStorageConformance(
    'MariaDB',
    () => mariadb.freshUrl(),
    async (url, statement) => {
      const target = parseDatabaseUrl(url);
      if (target.dialect !== 'mysql') throw new Error(`not a MySQL URL: ${target.display}`);
      const { host, port, user, password, database } = target;
      const conn = await createConnection({ host, port, user, password, database });
      try {
        await conn.query(statement);
      } finally {
        await conn.end();
      }
    },
  );
}
