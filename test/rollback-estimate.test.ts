import { describe, expect, it } from 'vitest';
import { estimateRollbackTime } from '../src/rules/support/rollback.js';
import { servingContainersOf } from '../src/rules/support/serving.js';
import { servicesFrom } from './helpers/service.js';

function workload(
  kind: string,
  spec: string,
  template = 'containers: [{ name: s, image: "r/s:1", readinessProbe: { httpGet: { path: /ready, port: 8080 }, initialDelaySeconds: 5, periodSeconds: 10, successThreshold: 2 } }]',
) {
  const apiVersion = kind === 'Rollout' ? 'argoproj.io/v1alpha1' : 'apps/v1';
  return `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata: { name: w }\nspec:\n${spec}\n  selector: { matchLabels: { app: w } }\n  template:\n    metadata: { labels: { app: w } }\n    spec:\n      ${template}\n`;
}

const MANIFEST = (serving: string, rollout = '') =>
  `apiVersion: mlready.dev/v1\nkind: ModelService\nmetadata: { name: w }\nspec:\n  model: { name: w, version: "1" }\n  serving: { runtime: custom, ${serving} }\n${rollout}---\n`;

function estimate(text: string) {
  const service = servicesFrom(text)[0]!;
  const w = service.workloads[0]!;
  return estimateRollbackTime(service, w, servingContainersOf(service, w)[0]);
}

describe('estimateRollbackTime', () => {
  // Columns: case, YAML, waves, per-wave seconds, total seconds. Readiness = 5 + 10 × 2 = 25 s in every row.
  it.each([
    [
      'default 25%/25% on 4 replicas: 2 per wave',
      MANIFEST('imagePullSeconds: 60, expectedLoadSeconds: 300') + workload('Deployment', '  replicas: 4'),
      2,
      385,
      770,
    ],
    [
      'maxSurge 1, maxUnavailable 0: one pod a wave',
      MANIFEST('imagePullSeconds: 60, expectedLoadSeconds: 300') +
        workload(
          'Deployment',
          '  replicas: 4\n  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }',
        ),
      4,
      385,
      1540,
    ],
    [
      'maxSurge 100%: one wave',
      MANIFEST('imagePullSeconds: 45, expectedLoadSeconds: 180') +
        workload(
          'Deployment',
          '  replicas: 3\n  strategy: { rollingUpdate: { maxSurge: 100%, maxUnavailable: 0 } }',
        ),
      1,
      250,
      250,
    ],
    [
      'both zero: the controller makes maxUnavailable 1',
      MANIFEST('imagePullSeconds: 10, expectedLoadSeconds: 20') +
        workload(
          'Deployment',
          '  replicas: 2\n  strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } }',
        ),
      2,
      55,
      110,
    ],
    [
      'minReadySeconds adds to every wave',
      MANIFEST('imagePullSeconds: 10, expectedLoadSeconds: 20') +
        workload('Deployment', '  replicas: 1\n  minReadySeconds: 30'),
      1,
      85,
      85,
    ],
    [
      'Recreate: one wave',
      MANIFEST('imagePullSeconds: 10, expectedLoadSeconds: 20') +
        workload('Deployment', '  replicas: 6\n  strategy: { type: Recreate }'),
      1,
      55,
      55,
    ],
    [
      'StatefulSet: one pod a wave',
      MANIFEST('imagePullSeconds: 10, expectedLoadSeconds: 20') +
        workload('StatefulSet', '  replicas: 3\n  serviceName: w'),
      3,
      55,
      165,
    ],
    [
      'runtime defaults without a manifest (custom: 60 s load; the previous image is cached, 0 s pull)',
      workload('Deployment', '  replicas: 1'),
      1,
      85,
      85,
    ],
    [
      'replicas from the HPA minimum when the Deployment leaves them out',
      MANIFEST('imagePullSeconds: 10, expectedLoadSeconds: 20') +
        workload('Deployment', '  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }') +
        '---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: { name: w }\nspec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: w }, minReplicas: 3, maxReplicas: 5 }\n',
      3,
      55,
      165,
    ],
  ])('%s', (_case, text, waves, perWave, total) => {
    const e = estimate(text);
    expect(e.waves).toBe(waves);
    expect(e.pullSeconds + e.loadSeconds + e.readySeconds + e.minReadySeconds).toBe(perWave);
    expect(e.seconds).toBe(total);
  });

  it('a blue-green whose scale-down delay outlasts the budget rolls back by switching traffic', () => {
    const text =
      MANIFEST('imagePullSeconds: 60, expectedLoadSeconds: 300', '  rollout: { rollbackBudget: 5m }\n') +
      workload(
        'Rollout',
        '  replicas: 8\n  strategy: { blueGreen: { activeService: w, scaleDownDelaySeconds: 600 } }',
      );
    const e = estimate(text);
    expect(e.warm).toBe(true);
    expect(e.seconds).toBe(0);
    const cold = estimate(text.replace('scaleDownDelaySeconds: 600', 'scaleDownDelaySeconds: 30'));
    expect(cold.warm).toBe(false);
    expect(cold.seconds).toBe(385);
  });

  it('prints the arithmetic', () => {
    const e = estimate(
      MANIFEST('imagePullSeconds: 60, expectedLoadSeconds: 300') +
        workload(
          'Deployment',
          '  replicas: 4\n  strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }',
          'containers: [{ name: s, image: "r/s:1", readinessProbe: { httpGet: { path: /ready, port: 8080 } } }]',
        ),
    );
    expect(e.arithmetic).toBe('4 waves × (60 s pull + 300 s load + 10 s ready) = 24m40s');
  });
});
