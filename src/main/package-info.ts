/**
 * What the composition roots share about the installation: where the package lives, its version
 * (with the git commit in a checkout), the data folder and the artifact store the config names.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { type ArtifactStore, openArtifactStore, type Storage } from '../storage/index.js';

/** The package root (this file lives in src/main or dist/main). */
export const packageRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The package.json version. */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

let cachedCodeVersion: string | undefined;

/** The package version plus the git commit when the code runs from a checkout. */
export function codeVersion(): string {
  if (cachedCodeVersion !== undefined) return cachedCodeVersion;
  let commit = '';
  try {
    commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: packageRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    // not a git checkout (an installed package): the version alone
  }
  cachedCodeVersion = commit ? `${packageVersion()}+${commit}` : packageVersion();
  return cachedCodeVersion;
}

/** The bundled data folder (`./data` means the package's own), else the configured one. */
export function dataDirOf(config: Config): string {
  return resolve(config.dataDir === './data' ? join(packageRoot, 'data') : config.dataDir);
}

/** The artifact store the config names: files under `<varDir>/artifacts`, or the database. */
export function configuredArtifactStore(storage: Storage, config: Config): ArtifactStore {
  return openArtifactStore(
    storage,
    config.artifactStore === 'database'
      ? { kind: 'database' }
      : { kind: 'file', dir: join(resolve(config.varDir), 'artifacts') },
  );
}
