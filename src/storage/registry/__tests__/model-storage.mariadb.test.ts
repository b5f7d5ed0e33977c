import { createConnection } from 'mysql2/promise';
import { mariadbTestDatabases } from '../../__tests__/mariadb-test-databases.js';
import { parseDatabaseUrl } from '../../index.js';
import { describeModelStorageConformance } from './model-storage.conformance.js';

const dbs = mariadbTestDatabases('model storage conformance');
if (dbs !== null) {
  describeModelStorageConformance(
    'MariaDB',
    () => dbs.freshUrl(),
    async (url, statement) => {
      const target = parseDatabaseUrl(url);
      if (target.dialect !== 'mysql') throw new Error(`not a MySQL URL: ${target.display}`);
      const conn = await createConnection({ ...dbs.auth, database: target.database });
      try {
        await conn.query(statement);
      } finally {
        await conn.end();
      }
    },
  );
}
