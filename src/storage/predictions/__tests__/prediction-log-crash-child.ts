/**
 * Child process of the prediction-log crash test: appends predictions in durable mode from 16
 * concurrent writers, forever, and prints each id on stdout (one line, written synchronously to the
 * pipe) as soon as its append resolves. The test SIGKILLs it mid-stream and checks that every printed
 * id is stored.
 *
 * Usage: node --import tsx src/storage/predictions/__tests__/prediction-log-crash-child.ts <database-url>
 */
import { randomUUID } from 'node:crypto';
import { writeSync } from 'node:fs';
import { createPredictionLog, openStorage } from '../../index.js';

const url = process.argv[2];
if (url === undefined) throw new Error('usage: prediction-log-crash-child.ts <database-url>');
const storage = await openStorage(url);
const log = createPredictionLog(storage.predictions, { mode: 'durable' });
writeSync(1, 'ready\n');

async function writer(w: number): Promise<never> {
  for (let i = 0; ; i++) {
    const id = randomUUID();
    await log.append({
      id,
      modelName: 'crash-test',
      modelVersion: 1,
      input: { writer: w, i, 'cap-shape': 'x' },
      output: { decision: 'edible', probability: 0.01 },
      decision: 'edible',
      probability: 0.01,
      latencyUs: 100,
      requestKind: 'single',
    });
    // Synchronous: once this returns, the line is in the pipe and survives our SIGKILL.
    writeSync(1, `${id}\n`);
  }
}

await Promise.all(Array.from({ length: 16 }, (_, w) => writer(w)));
