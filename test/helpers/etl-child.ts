/**
 * Child process for memory tests: runs one ETL on a fresh SQLite database and prints
 * `{ rows, maxRssMb }` as JSON. Usage: node --import tsx test/helpers/etl-child.ts <source> <sqlite-url>
 */
import { EtlService } from '../../src/services/index.js';
import { openStorage } from '../../src/storage/index.js';
import { PRIMARY } from './fixture-files.js';

const [source, url] = process.argv.slice(2);
const storage = await openStorage(url);
const etl = new EtlService(storage.datasets, { invalidThreshold: 0.01, seed: 42, speciesFile: PRIMARY });
const summary = await etl.run({ source });
await storage.close();
process.stdout.write(
  `${JSON.stringify({ rows: summary.rows.valid, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
