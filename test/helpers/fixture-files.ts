import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** The repository's bundled data folder. */
export const DATA_DIR = new URL('../../data/', import.meta.url).pathname;
export const SECONDARY = join(DATA_DIR, 'secondary_data.csv');
export const CLASSIC = join(DATA_DIR, 'agaricus-lepiota.data');
export const PRIMARY = join(DATA_DIR, 'primary_data.csv');

/** Header + data lines of the bundled secondary file (LF, no trailing newline entries). */
export function secondaryLines(): string[] {
  return readFileSync(SECONDARY, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
}

/** A temp folder for files made by a test file, removed afterwards. */
export function tempFiles(): { write(name: string, content: string | Buffer): string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sporeprint-files-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return {
    dir,
    write(name, content) {
      const path = join(dir, name);
      writeFileSync(path, content);
      return path;
    },
  };
}
