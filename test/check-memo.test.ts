import { describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import { groupServices } from '../src/check/services.js';
import { labelsOf, toObject, type K8sObject } from '../src/check/objects.js';
import { parseYaml } from '../src/manifest/yaml.js';
import { readWorkloads } from '../src/workloads/registry.js';

// Facts derived once per object, container and service (issue 18) are kept per run's objects:
// these prove a run neither sees a previous run's answers nor lets a rule change a shared one.

/** A model server with its Service and HPA, as bench/check.js generates them. */
function service(i: number): string {
  const name = `model-${i}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name}, mlready.dev/model: ${name} } }
spec:
  replicas: 2
  selector: { matchLabels: { app.kubernetes.io/name: ${name} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${name}, mlready.dev/model: ${name} } }
    spec:
      containers:
        - name: server
          image: registry.example.com/${name}:1.0.${i}
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: http } }
          resources: { requests: { cpu: "1", memory: 2Gi }, limits: { cpu: "1", memory: 2Gi } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec: { selector: { app.kubernetes.io/name: ${name} }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name} }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }, minReplicas: 2, maxReplicas: 4 }
`;
}

function objectsOf(text: string): K8sObject[] {
  return parseYaml(text, 'svc.yaml')
    .documents.map((d) => toObject(d))
    .filter((o): o is K8sObject => !('reason' in o));
}

describe('facts derived once per run', () => {
  it('gives the same result when the same input is checked twice in one process', () => {
    const texts = [0, 1, 2, 3, 4].map((i) => ({ file: `svc-${i}.yaml`, text: service(i) }));
    const now = new Date('2026-01-01T00:00:00Z');
    const first = runCheck({ cwd: '/', texts, now });
    const second = runCheck({ cwd: '/', texts, now });
    expect(first.findings.length).toBeGreaterThan(0);
    expect(second).toEqual(first);
  });

  it('answers from the objects of this run: an edited input is read afresh', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const before = runCheck({ cwd: '/', texts: [{ file: 'a.yaml', text: service(0) }], now });
    const edited = service(0).replace('minReplicas: 2, maxReplicas: 4', 'minReplicas: 1, maxReplicas: 4');
    const after = runCheck({ cwd: '/', texts: [{ file: 'a.yaml', text: edited }], now });
    const message =
      'HorizontalPodAutoscaler/model-0 allows 1 replica; at least 2 keep the model serving through a node drain or a crash';
    const messages = (r: typeof before) => r.findings.map((f) => f.message);
    expect(messages(before)).not.toContain(message);
    expect(messages(after)).toContain(message);
  });

  it('shares derived lists read-only, so one rule cannot change what the next one sees', () => {
    const objects = objectsOf(service(0));
    const [model] = groupServices(objects, [], { workloads: readWorkloads(objects) });
    expect(model).toBeDefined();
    const containers = model!.servingContainers();
    expect(containers.length).toBe(1);
    expect(model!.servingContainers()).toBe(containers);
    expect(() => (containers as unknown[]).push(undefined)).toThrow(TypeError);
    const services = model!.ofKind('Service');
    expect(services.map((o) => o.ref)).toEqual(['Service/model-0']);
    expect(() => (services as unknown[]).pop()).toThrow(TypeError);
    const labels = labelsOf(objects[0]!);
    expect(labels['app.kubernetes.io/name']).toBe('model-0');
    expect(() => {
      (labels as Record<string, string>).app = 'other';
    }).toThrow(TypeError);
  });
});
