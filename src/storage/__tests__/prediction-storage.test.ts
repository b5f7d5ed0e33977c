import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describePredictionStorageConformance } from './prediction-storage.conformance.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-predictions-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

describePredictionStorageConformance('SQLite', () => `sqlite:${join(root, `db-${++n}`, 'sporeprint.db')}`);
