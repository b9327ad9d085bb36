import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isRecord, toObject, type K8sObject, type ManifestObject } from '../src/check/objects.js';
import { groupServices } from '../src/check/services.js';
import { listItems, parseInput } from '../src/manifest/input.js';
import type { ModelManifest } from '../src/manifest/types.js';
import { kindById } from '../src/workloads/kinds.js';
import { readWorkloads } from '../src/workloads/registry.js';
import { referenceGroupServices } from './helpers/group-services-reference.js';
import { ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/** Objects and manifests of some YAML files, read as runCheck reads them. */
function read(files: Record<string, string>): { objects: K8sObject[]; manifests: ManifestObject[] } {
  const objects: K8sObject[] = [];
  const manifests: ManifestObject[] = [];
  for (const [file, text] of Object.entries(files)) {
    const parsed = parseInput({ file, text, format: 'yaml' }, 100_000);
    for (const document of parsed.documents.flatMap(listItems)) {
      const object = toObject(document);
      if ('reason' in object) continue;
      if (object.kind !== 'ModelService') {
        objects.push(object);
        continue;
      }
      const manifest = document.value as ModelManifest;
      const spec = (document.value as Record<string, unknown>).spec;
      // Only the manifests runCheck would accept far enough to group them.
      if (!isRecord(spec) || !isRecord(spec.serving) || !isRecord(spec.model)) continue;
      const info = kindById('ModelService')!;
      manifests.push({ ...object, kind: 'ModelService', type: info.id, info, manifest });
    }
  }
  return { objects, manifests };
}

/** Both groupings of the same input, as service names with their objects' refs (and namespaces). */
function groupBoth(files: Record<string, string>) {
  const { objects, manifests } = read(files);
  const workloads = readWorkloads(objects);
  const position = new Map<K8sObject, number>([...manifests, ...objects].map((o, i) => [o, i]));
  const show = (o: K8sObject) => `${o.ref}@${o.namespace ?? ''}#${position.get(o)}`;
  const indexed = groupServices(objects, manifests, { workloads }).map((s): [string, string[]] => [
    s.name,
    s.objects.map(show),
  ]);
  const reference = referenceGroupServices(objects, manifests, { workloads }).map((s): [string, string[]] => [
    s.name,
    s.objects.map(show),
  ]);
  return { indexed, reference, objects: objects.length };
}

/** Every folder of the corpus that holds YAML, with its files (relative names keep the directory logic). */
function corpusFolders(): { name: string; files: Record<string, string> }[] {
  const out: { name: string; files: Record<string, string> }[] = [];
  const visit = (dir: string) => {
    const files = yamlFiles(dir);
    if (files.length > 0)
      out.push({
        name: relative(ROOT, dir),
        files: Object.fromEntries(files.map((f) => [relative(dir, f), readFileSync(f, 'utf8')])),
      });
    for (const name of readdirSync(dir)) if (statSync(join(dir, name)).isDirectory()) visit(join(dir, name));
  };
  visit(join(ROOT, 'test/fixtures'));
  visit(join(ROOT, 'examples'));
  return out;
}

const deployment = (name: string, namespace: string | undefined, labels: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}${namespace ? `, namespace: ${namespace}` : ''} }
spec:
  selector: { matchLabels: { ${labels} } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
      containers: [{ name: server, image: "r/${name}:1" }]
`;

describe('grouping through the label index', () => {
  it('groups every folder of the fixtures and examples as the one-by-one reference does', () => {
    const folders = corpusFolders();
    expect(folders.length).toBeGreaterThan(50);
    let compared = 0;
    for (const { name, files } of folders) {
      const { indexed, reference, objects } = groupBoth(files);
      expect(indexed, name).toEqual(reference);
      compared += objects;
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('picks the first placed workload a selector selects, whichever of its labels is rarest', () => {
    // Every workload carries tier=web; only some the team label; the Service's first label is the common one.
    const docs: string[] = [];
    for (let i = 0; i < 30; i++)
      docs.push(deployment(`w${i}`, i % 3 === 0 ? 'a' : 'b', `tier: web, team: t${i % 4}, app: w${i}`));
    docs.push(`apiVersion: v1
kind: Service
metadata: { name: s1, namespace: b }
spec: { selector: { tier: web, team: t2 } }
---
apiVersion: v1
kind: Service
metadata: { name: s2, namespace: a }
spec: { selector: { tier: web, team: t3, app: w15 } }
---
apiVersion: v1
kind: Service
metadata: { name: s3 }
spec: { selector: { tier: web, team: t9 } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: p1, namespace: a }
spec: { selector: { matchExpressions: [{ key: team, operator: In, values: [t1, t3] }] } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: p2 }
spec: { selector: { matchExpressions: [{ key: team, operator: NotIn, values: [t0, t1] }] } }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: p3 }
spec: { selector: { matchLabels: { tier: true, team: t1 } } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: deny-all }
spec: { podSelector: {} }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: m1 }
spec: { selector: { matchLabels: { team: t2 } } }
`);
    const { indexed, reference } = groupBoth({ 'k8s/all.yaml': docs.join('---\n') });
    expect(indexed).toEqual(reference);
    const owner = (ref: string) =>
      indexed.find(([, objects]) => objects.some((o) => o.startsWith(`${ref}@`)))?.[0];
    expect(owner('Service/s1')).toBe('w2');
    expect(owner('PodDisruptionBudget/p1')).toBe('w3');
  });

  it('tries objects for a selector without matchLabels in the order of their first label, as main did', () => {
    // Placed w1, a, b; by first label: x=1 holds w1 and b, y=1 holds a, so b is tried before a.
    const { indexed, reference } = groupBoth({
      'k8s/all.yaml': [
        deployment('w1', undefined, 'x: "1"'),
        deployment('a', undefined, 'y: "1", z: "1"'),
        deployment('b', undefined, 'x: "1", z: "1"'),
        `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: pz }
spec: { selector: { matchExpressions: [{ key: z, operator: Exists }] } }
`,
      ].join('---\n'),
    });
    expect(indexed).toEqual(reference);
    const owner = indexed.find(([, objects]) => objects.some((o) => o.startsWith('PodDisruptionBudget/pz@')));
    expect(owner?.[0]).toBe('b');
  });

  it('puts workloads of one name into one service per namespace, as the reference does', () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++)
      files[`ns${i % 3}/d${i}.yaml`] = deployment(
        `d${i}`,
        i % 4 === 0 ? undefined : `ns${i % 3}`,
        'app: shared',
      );
    files['seldon.yaml'] = `apiVersion: mlops.seldon.io/v1alpha1
kind: Server
metadata: { name: mlserver }
spec: { serverConfig: mlserver }
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: { name: iris, namespace: ns1, labels: { app: shared } }
spec: { storageUri: gs://m/iris, server: mlserver }
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: { name: iris2, namespace: ns1, labels: { app: iris } }
spec: { storageUri: gs://m/iris, server: mlserver }
---
${deployment('late', undefined, 'app: mlserver')}`;
    const { indexed, reference } = groupBoth(files);
    expect(indexed).toEqual(reference);
    expect(indexed.filter(([name]) => name === 'shared').length).toBeGreaterThan(1);
    // The Server's service took in a Model of another namespace: a later workload of its name starts its own.
    expect(indexed.filter(([name]) => name === 'mlserver').length).toBe(2);
  });
});
