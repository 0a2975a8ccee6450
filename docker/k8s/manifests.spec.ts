import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Secret, Service } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

/**
 * No cluster runs here: the manifests are checked against the Kubernetes (and
 * KEDA) OpenAPI schemas by kubernetes-models, and against each other.
 */
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
};

type Manifest = Record<string, any>;
const DIR = __dirname;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
const manifests: Array<{ file: string; doc: Manifest }> = files.flatMap((file) =>
  parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => ({ file, doc: d.toJS() as Manifest })),
);
const find = (kind: string, name: string) => manifests.find((m) => m.doc.kind === kind && m.doc.metadata.name === name)?.doc;

function validate(doc: Manifest): void {
  const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
  if (!Model) throw new Error(`no schema for ${doc.apiVersion} ${doc.kind}`);
  new Model(doc).validate();
}

describe('docker/k8s manifests', () => {
  it.each(manifests.map((m) => [`${m.file}: ${m.doc.kind} ${m.doc.metadata?.name}`, m.doc]))('%s matches its schema', (_name, doc) => {
    expect(() => validate(doc)).not.toThrow();
  });

  it('the schema check catches mistakes', () => {
    const api = structuredClone(find('Deployment', 'vigil-api')!);
    api.spec.replicas = 'two';
    expect(() => validate(api)).toThrow(/replicas/);
    const scaled = structuredClone(find('ScaledObject', 'vigil-worker')!);
    delete scaled.spec.scaleTargetRef;
    expect(() => validate(scaled)).toThrow(/scaleTargetRef/);
  });

  it('kustomization lists every manifest', () => {
    const kustomization = parseAllDocuments(readFileSync(join(DIR, 'kustomization.yaml'), 'utf8'))[0].toJS();
    expect([...kustomization.resources].sort()).toEqual([...files].sort());
  });

  it.each([
    ['vigil-api', 'http'],
    ['vigil-worker', 'probes'],
  ])('%s probes liveness on /health/live and readiness on /health/ready, with its own replicas and resources', (name, port) => {
    const deployment = find('Deployment', name)!;
    const [container] = deployment.spec.template.spec.containers;
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port });
    expect(container.ports.map((p: Manifest) => p.name)).toContain(port);
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    expect(container.resources.requests.cpu).toBeDefined();
    expect(deployment.spec.selector.matchLabels).toEqual(pick(deployment.spec.template.metadata.labels, Object.keys(deployment.spec.selector.matchLabels)));
  });

  it('everything it references exists', () => {
    for (const { doc } of manifests) {
      const pod = doc.kind === 'Deployment' || doc.kind === 'Job' ? doc.spec.template.spec : undefined;
      for (const container of pod?.containers ?? []) {
        for (const from of container.envFrom) {
          if (from.configMapRef) expect(find('ConfigMap', from.configMapRef.name)).toBeDefined();
          if (from.secretRef) expect(find('Secret', from.secretRef.name)).toBeDefined();
        }
      }
    }
    const apiLabels = find('Deployment', 'vigil-api')!.spec.template.metadata.labels;
    expect(apiLabels).toMatchObject(find('Service', 'vigil-api')!.spec.selector);
    for (const name of ['vigil-api', 'vigil-worker']) {
      expect(find('Deployment', name)!.spec.template.metadata.labels).toMatchObject(find('PodDisruptionBudget', name)!.spec.selector.matchLabels);
    }
    expect(find('Deployment', find('HorizontalPodAutoscaler', 'vigil-api')!.spec.scaleTargetRef.name)).toBeDefined();
    expect(find('Deployment', find('ScaledObject', 'vigil-worker')!.spec.scaleTargetRef.name)).toBeDefined();
  });

  it('scales the API on CPU and the worker on the length of the ingest wait list', () => {
    expect(find('HorizontalPodAutoscaler', 'vigil-api')!.spec.metrics[0].resource.name).toBe('cpu');
    const [trigger] = find('ScaledObject', 'vigil-worker')!.spec.triggers;
    const prefix = find('ConfigMap', 'vigil-config')!.data.REDIS_KEY_PREFIX;
    expect(trigger).toMatchObject({ type: 'redis', metadata: { listName: `${prefix}:ingest:wait` } });
  });

  it('the migration Job runs db:migrate', () => {
    expect(find('Job', 'vigil-migrate')!.spec.template.spec.containers[0].command).toEqual(['node', 'dist/apps/cli/src/main.js', 'db:migrate']);
  });
});

function pick(labels: Record<string, string>, keys: string[]): Record<string, string> {
  return Object.fromEntries(keys.map((k) => [k, labels[k]]));
}
