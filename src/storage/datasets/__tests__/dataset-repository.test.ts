import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeStorageConformance } from './dataset-repository.conformance.js';

const root = mkdtempSync(join(tmpdir(), 'sporeprint-storage-'));
let n = 0;

afterAll(() => rmSync(root, { recursive: true, force: true }));

// A nested path per test: parent directories are created on first use.
describeStorageConformance('SQLite', () => `sqlite:${join(root, `db-${++n}`, 'sporeprint.db')}`);
