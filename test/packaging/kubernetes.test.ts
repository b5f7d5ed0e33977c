import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BASE = join(ROOT, 'deploy/k8s/base');
const OVERLAY = join(ROOT, 'deploy/k8s/overlays/example');

interface Kustomization {
  readonly resources?: readonly string[];
  readonly patches?: readonly { readonly path?: string }[];
  readonly replicas?: readonly { readonly name: string; readonly count: number }[];
  readonly images?: readonly { readonly name: string; readonly newName?: string; readonly newTag?: string }[];
}

/** Every YAML document of a file, as plain objects; a syntax error names the file. */
function readYaml(path: string): Record<string, unknown>[] {
  return parseAllDocuments(readFileSync(path, 'utf8')).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${path}: ${doc.errors[0].message}`);
    return doc.toJS() as Record<string, unknown>;
  });
}

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'v1/Service': Service,
  'v1/ConfigMap': ConfigMap,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

/** Builds the kubernetes-models object of a manifest and validates it against its schema. */
function validated(manifest: Record<string, unknown>): void {
  const model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (model === undefined) throw new Error(`no model for ${manifest.apiVersion} ${manifest.kind}`);
  new model(manifest as never).validate();
}

const kustomization = readYaml(join(BASE, 'kustomization.yaml'))[0] as Kustomization;
const manifests = (kustomization.resources ?? []).flatMap((file) => readYaml(join(BASE, file)));
// biome-ignore lint/suspicious/noExplicitAny: plain parsed YAML, read field by field by the checks
type Obj = Record<string, any>;
const byName = (kind: string, name: string): Obj => {
  const found = manifests.find((m) => m.kind === kind && (m.metadata as Obj).name === name);
  if (found === undefined) throw new Error(`base has no ${kind} ${name}`);
  return found as Obj;
};
const deployments = manifests.filter((m) => m.kind === 'Deployment') as Obj[];
const podSpecs = (): [string, Obj][] => [
  ...deployments.map((d): [string, Obj] => [d.metadata.name, d.spec.template.spec]),
  ['sporeprint-init', byName('Job', 'sporeprint-init').spec.template.spec],
];

describe('deploy/k8s/base', () => {
  it('lists files that exist, each object valid against its Kubernetes schema', () => {
    expect(kustomization.resources?.length).toBeGreaterThan(0);
    for (const file of kustomization.resources ?? []) expect(existsSync(join(BASE, file)), file).toBe(true);
    expect(manifests.map((m) => `${m.kind}/${(m.metadata as Obj).name}`).sort()).toEqual(
      [
        'ConfigMap/sporeprint-config',
        'Deployment/sporeprint-api',
        'Deployment/sporeprint-scheduler',
        'Deployment/sporeprint-worker',
        'HorizontalPodAutoscaler/sporeprint-api',
        'Job/sporeprint-init',
        'PodDisruptionBudget/sporeprint-api',
        'Service/sporeprint-api',
      ].sort(),
    );
    for (const m of manifests) expect(() => validated(m), `${m.kind}`).not.toThrow();
  });

  it('validation catches a bad manifest', () => {
    const api = structuredClone(byName('Deployment', 'sporeprint-api'));
    api.spec.replicas = 'two';
    expect(() => validated(api)).toThrow(/replicas/);
    expect(() => validated({ apiVersion: 'v1', kind: 'Pod' })).toThrow(/no model for v1 Pod/);
  });

  it('probes the API on /health/ready and /health/live, workers with `sporeprint worker --health`', () => {
    const api = byName('Deployment', 'sporeprint-api').spec.template.spec.containers[0];
    expect(api.args).toEqual(['serve']);
    expect(api.readinessProbe.httpGet.path).toBe('/health/ready');
    expect(api.livenessProbe.httpGet.path).toBe('/health/live');
    const worker = byName('Deployment', 'sporeprint-worker').spec.template.spec.containers[0];
    expect(worker.args[0]).toBe('worker');
    expect(worker.livenessProbe.exec.command).toEqual(['sporeprint', 'worker', '--health']);
    expect(worker.readinessProbe.exec.command).toEqual(['sporeprint', 'worker', '--health']);
    expect(byName('Job', 'sporeprint-init').spec.template.spec.containers[0].args).toEqual([
      'start',
      '--no-serve',
    ]);
  });

  it('drains the API on SIGTERM (no preStop pause) for two readiness periods, within the grace period', () => {
    const pod = byName('Deployment', 'sporeprint-api').spec.template.spec;
    const api = pod.containers[0];
    expect(api.lifecycle?.preStop).toBeUndefined();
    const drain = Number(byName('ConfigMap', 'sporeprint-config').data.SPOREPRINT_DRAIN_SECONDS);
    const probe = api.readinessProbe;
    expect(drain).toBeGreaterThanOrEqual(probe.periodSeconds * probe.failureThreshold);
    // then the stop: in-flight requests, pipeline tasks (5 s), alert notifications (5 s), the log's flush
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(drain + 20);
  });

  it('runs one scheduler, replaced with Recreate', () => {
    const scheduler = byName('Deployment', 'sporeprint-scheduler');
    expect(scheduler.spec.replicas).toBe(1);
    expect(scheduler.spec.strategy.type).toBe('Recreate');
    expect(scheduler.spec.template.spec.containers[0].args).toEqual(['scheduler']);
  });

  it('gives every container requests and limits, a non-root user and a read-only root', () => {
    for (const [name, spec] of podSpecs()) {
      expect(spec.securityContext.runAsNonRoot, name).toBe(true);
      expect(spec.securityContext.runAsUser, name).toBeGreaterThan(0);
      const volumes = new Map((spec.volumes as Obj[]).map((v) => [v.name, v]));
      for (const c of spec.containers as Obj[]) {
        for (const kind of ['requests', 'limits']) {
          expect(c.resources[kind].cpu, `${name} ${kind}`).toBeDefined();
          expect(c.resources[kind].memory, `${name} ${kind}`).toBeDefined();
        }
        expect(c.securityContext.allowPrivilegeEscalation, name).toBe(false);
        expect(c.securityContext.readOnlyRootFilesystem, name).toBe(true);
        expect(c.securityContext.capabilities.drop, name).toEqual(['ALL']);
        const varMount = (c.volumeMounts as Obj[]).find((m) => m.mountPath === '/var/lib/sporeprint');
        expect(volumes.get(varMount?.name)?.emptyDir, `${name} var dir`).toEqual({});
        expect(c.envFrom[0].configMapRef.name, name).toBe('sporeprint-config');
        const db = (c.env as Obj[]).find((e) => e.name === 'DATABASE_URL');
        expect(db?.valueFrom.secretKeyRef, name).toEqual({ name: 'sporeprint-secrets', key: 'database-url' });
      }
    }
  });

  it('commits no Secret and no password', () => {
    expect(manifests.some((m) => m.kind === 'Secret')).toBe(false);
    const config = byName('ConfigMap', 'sporeprint-config');
    expect(config.data.DATABASE_URL).toBeUndefined();
    expect(JSON.stringify(manifests)).not.toMatch(/mysql:\/\/[^@"]*:[^@"]*@/);
  });

  it('keeps one API pod through voluntary disruptions and scales the API on CPU', () => {
    const selector = byName('Deployment', 'sporeprint-api').spec.selector.matchLabels;
    expect(byName('PodDisruptionBudget', 'sporeprint-api').spec.selector.matchLabels).toEqual(selector);
    expect(byName('Service', 'sporeprint-api').spec.selector).toEqual(selector);
    const hpa = byName('HorizontalPodAutoscaler', 'sporeprint-api').spec;
    expect(hpa.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'sporeprint-api' });
    expect(hpa.metrics[0].resource.name).toBe('cpu');
    expect(hpa.minReplicas).toBeGreaterThanOrEqual(2);
  });
});

describe('deploy/k8s/overlays/example', () => {
  const overlay = readYaml(join(OVERLAY, 'kustomization.yaml'))[0] as Kustomization;

  it('references files and base objects that exist', () => {
    for (const r of overlay.resources ?? []) {
      const path = join(OVERLAY, r);
      expect(existsSync(join(path, 'kustomization.yaml')) || existsSync(path), r).toBe(true);
    }
    expect(overlay.resources).toContain('../../base');
    for (const p of overlay.patches ?? []) {
      const path = join(OVERLAY, p.path ?? '');
      expect(existsSync(path), p.path).toBe(true);
      for (const doc of readYaml(path))
        expect(() => byName(doc.kind as string, (doc.metadata as Obj).name)).not.toThrow();
    }
    for (const r of overlay.replicas ?? []) expect(() => byName('Deployment', r.name)).not.toThrow();
  });

  it('patches the image and the replicas', () => {
    expect(overlay.images?.[0]).toMatchObject({ name: 'sporeprint' });
    expect(overlay.images?.[0].newTag).toMatch(/\S/);
    expect(overlay.replicas?.map((r) => r.name)).toEqual(['sporeprint-api', 'sporeprint-worker']);
    expect(dirname(OVERLAY)).toMatch(/overlays$/);
  });
});
