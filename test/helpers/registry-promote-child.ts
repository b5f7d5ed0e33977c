/**
 * Child process for the registry race test: opens the storage, prints `ready`, waits for a line on
 * stdin, promotes one version to Production and prints `{ ok, code?, message? }` as JSON — so that the
 * parent can release several children at the same instant.
 * Usage: node --import tsx test/helpers/registry-promote-child.ts <db-url> <artifact-dir> <model> <version>
 */

import { DEFAULT_GATE, RegistryService } from '../../src/services/index.js';
import { createInProcessEventBus, openArtifactStore, openStorage } from '../../src/storage/index.js';

const [url, dir, model, version] = process.argv.slice(2);
const storage = await openStorage(url);
const registry = new RegistryService({
  runs: storage.runs,
  registry: storage.registry,
  artifacts: openArtifactStore(storage, { kind: 'file', dir }),
  datasets: storage.datasets,
  events: createInProcessEventBus(),
  gate: DEFAULT_GATE,
});
process.stdout.write('ready\n');
await new Promise((r) => process.stdin.once('data', r));
process.stdin.pause();
let out: Record<string, unknown>;
try {
  await registry.promote(model, Number(version), { actor: `child-${version}`, reason: 'race' });
  out = { ok: true };
} catch (e) {
  out = { ok: false, code: (e as { code?: string }).code, message: (e as Error).message };
}
await storage.close();
process.stdout.write(`${JSON.stringify(out)}\n`);
