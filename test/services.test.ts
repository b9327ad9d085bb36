import { describe, expect, it } from 'vitest';
import { checkFiles } from './helpers/check.js';

const manifest = (name: string) => `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: ${name} }
spec:
  model: { name: ${name}, version: 1.0.0 }
  serving: { runtime: custom }
`;
const deployment = (name: string, labels: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { ${labels} } }
  template:
    metadata: { labels: { ${labels} } }
    spec:
      containers: [{ name: server, image: "r/${name}:1" }]
`;

describe('grouping objects into model services', () => {
  it('ties workloads to manifests by name label, and Services, HPAs and monitors by reference', () => {
    const result = checkFiles({
      'fraud/mlready.yaml': manifest('fraud'),
      'churn/mlready.yaml': manifest('churn'),
      'k8s/fraud.yaml': deployment('fraud-v2', 'app.kubernetes.io/name: fraud'),
      'k8s/churn.yaml': deployment('churn', 'mlready.dev/model: churn'),
      'k8s/svc.yaml': `apiVersion: v1
kind: Service
metadata: { name: fraud-svc, labels: { team: risk } }
spec: { selector: { app.kubernetes.io/name: fraud }, ports: [{ port: 80 }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: churn-hpa }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: churn }, minReplicas: 2, maxReplicas: 4 }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: risk-monitor }
spec: { selector: { matchLabels: { team: risk } }, endpoints: [{ port: http }] }
`,
    });
    expect(result.services.map(({ name, manifest, objects }) => ({ name, manifest, objects }))).toEqual([
      {
        name: 'fraud',
        manifest: 'fraud/mlready.yaml',
        objects: [
          'ModelService/fraud',
          'Deployment/fraud-v2',
          'Service/fraud-svc',
          'ServiceMonitor/risk-monitor',
        ],
      },
      {
        name: 'churn',
        manifest: 'churn/mlready.yaml',
        objects: ['ModelService/churn', 'Deployment/churn', 'HorizontalPodAutoscaler/churn-hpa'],
      },
    ]);
  });

  it('falls back to the directory when nothing names the service', () => {
    const result = checkFiles({
      'svc-a/mlready.yaml': manifest('a'),
      'svc-a/deploy.yaml': deployment('server', 'app: server'),
      'svc-b/mlready.yaml': manifest('b'),
      'svc-b/deploy.yaml': deployment('server-b', 'app: server-b'),
    });
    expect(result.services.map((s) => [s.name, s.objects])).toEqual([
      ['a', ['ModelService/a', 'Deployment/server']],
      ['b', ['ModelService/b', 'Deployment/server-b']],
    ]);
  });

  it('gives a workload without a manifest a service of its own', () => {
    const result = checkFiles({
      'one.yaml': deployment('x', 'app: x'),
      'two/other.yaml': deployment('y', 'app: y'),
    });
    expect(result.services.map((s) => s.name)).toEqual(['x', 'y']);
  });
});
