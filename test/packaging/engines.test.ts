import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The oldest Node.js the development tools (vitest's vite, dependency-cruiser) run on; see README. */
const DEV_NODE = '20.19.0';

interface LockedPackage {
  readonly version?: string;
  readonly dev?: boolean;
  readonly devOptional?: boolean;
  readonly engines?: { readonly node?: string } | readonly string[];
}

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${ROOT}package-lock.json`, 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/** Each locked package with a Node.js engines range: [path, version, range, needed in production]. */
function lockedEngines(): [string, string, string, boolean][] {
  const out: [string, string, string, boolean][] = [];
  for (const [path, p] of Object.entries(lock.packages)) {
    const range =
      p.engines !== undefined && !Array.isArray(p.engines)
        ? (p.engines as { node?: string }).node
        : undefined;
    if (path === '' || range === undefined) continue;
    out.push([path.replace(/^.*node_modules\//, ''), p.version ?? '?', range, !p.dev && !p.devOptional]);
  }
  return out;
}

/**
 * `npm install` warns EBADENGINE when a package's engines exclude the running Node.js. sporeprint
 * declares `node >=20`: every package it runs with must accept every Node 20 release, and every
 * development tool must accept Node DEV_NODE (20.19) and later 20s.
 */
describe('locked packages support the Node.js versions package.json declares', () => {
  it('sporeprint declares node >=20', () => {
    expect(pkg.engines.node).toBe('>=20');
    expect(lockedEngines().length).toBeGreaterThan(10);
  });

  it('every package needed at run time accepts every Node 20 release', () => {
    const node20 = `${semver.minVersion(pkg.engines.node)?.version} - 20`; // >=20.0.0 <21.0.0-0
    const refused = lockedEngines()
      .filter(([, , range, production]) => production && !semver.subset(node20, range))
      .map(([name, version, range]) => `${name}@${version} wants node ${range}`);
    expect(refused).toEqual([]);
  });

  it(`every development package accepts Node ${DEV_NODE} and the later Node 20 releases`, () => {
    const refused = lockedEngines()
      .filter(([, , range]) => !semver.subset(`${DEV_NODE} - 20`, range))
      .map(([name, version, range]) => `${name}@${version} wants node ${range}`);
    expect(refused).toEqual([]);
  });
});
