/**
 * The settings the deployment files give sporeprint (compose.yaml, the Kubernetes base and its example
 * overlay) are settings sporeprint knows, and values its configuration accepts: a misspelt variable in
 * a deployment would otherwise be ignored (sporeprint warns at start, but nobody reads a pod's log
 * until something is wrong).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig, unknownVariables } from '../../src/config/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// biome-ignore lint/suspicious/noExplicitAny: plain parsed YAML, read field by field
type Obj = Record<string, any>;

const yamlDocs = (path: string): Obj[] =>
  parseAllDocuments(readFileSync(join(ROOT, path), 'utf8')).map((d) => d.toJS() as Obj);

/** A secret's place taken by a value of its form (the files exist only in the containers). */
function withSecretsFilled(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  if (out.DATABASE_URL_FILE !== undefined || out.DATABASE_URL === undefined || out.DATABASE_URL === '') {
    delete out.DATABASE_URL_FILE;
    out.DATABASE_URL = 'mysql://sporeprint:secret@mariadb:3306/sporeprint';
  }
  return out;
}

function expectAccepted(where: string, env: Record<string, string>): void {
  expect(unknownVariables(env), where).toEqual([]);
  expect(() => loadConfig({ env: withSecretsFilled(env) }), where).not.toThrow();
}

describe('the settings of the deployment files', () => {
  it('compose.yaml: every sporeprint service', () => {
    const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8'), { merge: true }) as Obj;
    const ours = Object.entries(compose.services as Obj).filter(
      ([, s]) => s.build !== undefined || String(s.image ?? '').includes('sporeprint'),
    );
    expect(ours.map(([name]) => name).sort()).toEqual(
      expect.arrayContaining(['api', 'init', 'scheduler', 'worker']),
    );
    for (const [name, s] of ours) expectAccepted(`compose service ${name}`, s.environment ?? {});
  });

  it('Kubernetes: the ConfigMap (base, and with the example overlay) and every container env', () => {
    const base = yamlDocs('deploy/k8s/base/configmap.yaml')[0];
    const patch = yamlDocs('deploy/k8s/overlays/example/config-patch.yaml')[0];
    expect(patch.metadata.name).toBe(base.metadata.name);
    const kustomization = yamlDocs('deploy/k8s/base/kustomization.yaml')[0];
    const workloads = (kustomization.resources as string[])
      .flatMap((f) => yamlDocs(`deploy/k8s/base/${f}`))
      .filter((m) => m.kind === 'Deployment' || m.kind === 'Job');
    expect(workloads.length).toBeGreaterThanOrEqual(4);
    for (const [label, data] of [
      ['base', base.data],
      ['example overlay', { ...base.data, ...patch.data }],
    ] as const) {
      for (const w of workloads) {
        for (const c of w.spec.template.spec.containers as Obj[]) {
          const fromMap = (c.envFrom ?? []).some((e: Obj) => e.configMapRef?.name === base.metadata.name);
          expect(fromMap, `${w.metadata.name} reads the ConfigMap`).toBe(true);
          // a value from a Secret (the database URL) is filled in by withSecretsFilled
          const own = Object.fromEntries((c.env ?? []).map((e: Obj) => [e.name, e.value ?? ''])) as Record<
            string,
            string
          >;
          expectAccepted(`${label}: ${w.kind} ${w.metadata.name}`, { ...data, ...own });
        }
      }
    }
  });

  it('a misspelt setting is caught (the check can fail)', () => {
    expect(unknownVariables({ SPOREPRINT_WORKER_CONCURENCY: '2' })).toEqual([
      { name: 'SPOREPRINT_WORKER_CONCURENCY', suggestion: 'SPOREPRINT_WORKER_CONCURRENCY' },
    ]);
    expect(() => loadConfig({ env: { SPOREPRINT_PORT: 'eighty' } })).toThrow(/SPOREPRINT_PORT/);
  });
});
