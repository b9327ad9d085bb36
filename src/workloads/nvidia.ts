import { asRecord, asString, getPath, isRecord, stringMap, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { PodTemplate, Workload } from './model.js';
import {
  at,
  boundedReplicas,
  hinted,
  podTemplate,
  replicasAt,
  synthesisedContainerRef,
  workload,
} from './pods.js';
import type { WorkloadReader } from './reader.js';

/**
 * NVIDIA NIM Operator NIMService: the operator renders a Deployment from spec.image, resources,
 * env, replicas (or spec.scale.hpa), storage and expose; its startup, readiness and liveness
 * probes default to the NIM health endpoints unless turned off.
 * https://docs.nvidia.com/nim-operator/latest/service.html
 */
export const nimServiceReader: WorkloadReader = {
  ids: ['NIMService'],
  read(object: K8sObject, info: KindInfo): Workload {
    const spec = asRecord(object.raw.spec);
    const scale = asRecord(spec.scale);
    const autoscaled = scale.enabled === true;
    const replicas = autoscaled
      ? boundedReplicas(
          object,
          ['spec', 'scale', 'hpa'],
          { min: 'minReplicas', max: 'maxReplicas' },
          { min: 1 },
        )
      : replicasAt(object, ['spec', 'replicas'], 1);
    const image = asRecord(spec.image);
    const repository = asString(image.repository);
    const tag = asString(image.tag);
    const storage = asRecord(spec.storage);
    const volumes: unknown[] =
      storage.hostPath !== undefined
        ? [{ name: 'model-store', hostPath: storage.hostPath }]
        : isRecord(storage.pvc)
          ? [{ name: 'model-store', persistentVolumeClaim: storage.pvc }]
          : [];
    const fields: Record<string, YamlPath> = {
      image: ['spec', 'image'],
      resources: ['spec', 'resources'],
      env: ['spec', 'env'],
      ports: ['spec', 'expose', 'service'],
    };
    const container: Record<string, unknown> = {
      image: repository !== undefined ? `${repository}${tag !== undefined ? `:${tag}` : ''}` : undefined,
      resources: spec.resources,
      env: spec.env,
      ports: [{ name: 'api', containerPort: numberOr(getPath(spec, ['expose', 'service', 'port']), 8000) }],
      volumeMounts: volumes.length > 0 ? [{ name: 'model-store', mountPath: '/model-store' }] : [],
    };
    for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      const probe = asRecord(spec[kind]);
      if (isRecord(probe.probe)) {
        container[kind] = probe.probe;
        fields[kind] = ['spec', kind, 'probe'];
      }
    }
    const template = podTemplate(object, {
      specPath: ['spec'],
      metadataPath: ['metadata'],
      replicas,
      synthesized: true,
      spec: { volumes, nodeSelector: spec.nodeSelector, tolerations: spec.tolerations },
      controllerLabels: { app: object.name, ...stringMap(spec.labels) },
      containers: (t) => [
        hinted(synthesisedContainerRef(t, object.name, container, fields, ['spec']), 'nim'),
      ],
    });
    return workload(object, info, {
      templates: [template],
      replicas,
      strategy: { type: 'rolling', maxSurge: undefined, maxUnavailable: undefined, at: at(object, ['spec']) },
      selector: { app: object.name },
      autoscaling: autoscaled
        ? {
            min: replicas.min,
            max: replicas.max,
            metric: asString(getPath(scale, ['hpa', 'metrics', 0, 'pods', 'metric', 'name'])),
            at: replicas.at,
          }
        : undefined,
      servesModels: true,
      injectedProbes: asRecord(spec.readinessProbe).enabled === false ? 'none' : 'model-ready',
    });
  },
};

/** Dynamo writes GPUs as `gpu` in its own resources block; the pod gets nvidia.com/gpu. */
function dynamoResources(resources: Record<string, unknown>): Record<string, unknown> {
  const translate = (block: unknown) =>
    Object.fromEntries(
      Object.entries(asRecord(block)).map(([key, value]) => [key === 'gpu' ? 'nvidia.com/gpu' : key, value]),
    );
  return { requests: translate(resources.requests), limits: translate(resources.limits) };
}

/**
 * NVIDIA Dynamo DynamoGraphDeployment: one component per entry of spec.services (frontend,
 * prefill and decode workers), each a Deployment the operator renders from replicas, resources
 * (`gpu` means NVIDIA GPUs) and extraPodSpec.mainContainer; the operator adds health probes.
 * https://docs.nvidia.com/dynamo/latest/guides/dynamo_deploy/
 */
export const dynamoReader: WorkloadReader = {
  ids: ['DynamoGraphDeployment'],
  read(object: K8sObject, info: KindInfo): Workload {
    const templates: PodTemplate[] = [];
    for (const [name, value] of Object.entries(asRecord(getPath(object.raw, ['spec', 'services'])))) {
      const service = asRecord(value);
      const base: YamlPath = ['spec', 'services', name];
      const podSpec = asRecord(service.extraPodSpec);
      const main = asRecord(podSpec.mainContainer);
      const podFields = Object.fromEntries(
        Object.entries(podSpec).filter(([key]) => key !== 'mainContainer'),
      );
      const fields: Record<string, YamlPath> = { resources: [...base, 'resources'] };
      for (const key of Object.keys(main)) fields[key] = [...base, 'extraPodSpec', 'mainContainer', key];
      const envFrom = asString(service.envFromSecret);
      const container: Record<string, unknown> = {
        ...main,
        resources: isRecord(service.resources) ? dynamoResources(service.resources) : main.resources,
        envFrom: envFrom ? [{ secretRef: { name: envFrom } }] : main.envFrom,
      };
      templates.push(
        podTemplate(object, {
          role: name,
          specPath: [...base, 'extraPodSpec'],
          metadataPath: base,
          replicas: replicasAt(object, [...base, 'replicas'], 1),
          synthesized: true,
          spec: podFields,
          controllerLabels: { 'nvidia.com/dynamo-component': name },
          containers: (t) => [
            synthesisedContainerRef(t, name, container, fields, [...base, 'extraPodSpec', 'mainContainer']),
          ],
        }),
      );
    }
    const gpuWorker = templates.find((t) =>
      t.containers.some(
        (c) => asRecord(asRecord(c.container.resources).limits)['nvidia.com/gpu'] !== undefined,
      ),
    );
    const serving = gpuWorker ?? templates[0];
    return workload(object, info, {
      templates,
      replicas: serving?.replicas ?? replicasAt(object, ['spec', 'replicas'], 1),
      strategy: { type: 'rolling', maxSurge: undefined, maxUnavailable: undefined, at: at(object, ['spec']) },
      servesModels: true,
      injectedProbes: 'model-ready',
    });
  },
};

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
