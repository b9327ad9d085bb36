import { parse } from 'yaml';
import {
  asArray,
  asRecord,
  asString,
  getPath,
  isRecord,
  stringMap,
  type K8sObject,
} from '../check/objects.js';
import { parseFast } from '../manifest/fast-yaml.js';
import { MAX_NESTING_DEPTH, type YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { ModelRef, PodTemplate, RayServeDeployment, Replicas, Workload } from './model.js';
import { at, boundedReplicas, podTemplate, workload } from './pods.js';
import type { WorkloadReader } from './reader.js';

/** Where each kind keeps its RayClusterSpec. */
const CLUSTER_SPEC: Record<string, YamlPath> = {
  RayCluster: ['spec'],
  RayJob: ['spec', 'rayClusterSpec'],
  RayService: ['spec', 'rayClusterConfig'],
};

/**
 * KubeRay RayCluster, RayService and RayJob: a head pod template and worker groups, each with
 * replicas, minReplicas and maxReplicas (used when enableInTreeAutoscaling is on). A RayService's
 * serveConfigV2 is YAML inside a string: its deployments (num_replicas, autoscaling_config,
 * ray_actor_options.num_gpus) are read too. KubeRay injects readiness and liveness probes into Ray
 * containers that declare none (on by default since KubeRay 1.1).
 * https://docs.ray.io/en/latest/cluster/kubernetes/user-guides/rayservice.html
 */
export const kubeRayReader: WorkloadReader = {
  ids: ['RayCluster', 'RayJob', 'RayService'],
  read(object: K8sObject, info: KindInfo): Workload {
    const base = CLUSTER_SPEC[info.id]!;
    const cluster = asRecord(getPath(object.raw, base));
    const autoscaled = cluster.enableInTreeAutoscaling === true;
    const clusterLabel: Record<string, string> =
      info.id === 'RayCluster' ? { 'ray.io/cluster': object.name } : {};
    const headReplicas: Replicas = {
      count: 1,
      min: undefined,
      max: undefined,
      defaulted: false,
      at: at(object, base.concat('headGroupSpec')),
    };
    const templates: PodTemplate[] = [
      podTemplate(object, {
        role: 'head',
        specPath: base.concat('headGroupSpec', 'template', 'spec'),
        metadataPath: base.concat('headGroupSpec', 'template', 'metadata'),
        replicas: headReplicas,
        controllerLabels: rayLabels(clusterLabel, 'head', undefined),
      }),
    ];
    const groups = asArray(cluster.workerGroupSpecs);
    for (let i = 0; i < groups.length; i++) {
      const group = asRecord(groups[i]);
      const groupName = asString(group.groupName) ?? `group ${i}`;
      const groupBase: YamlPath = base.concat('workerGroupSpecs', i);
      const replicas = boundedReplicas(
        object,
        groupBase,
        { count: 'replicas', min: 'minReplicas', max: 'maxReplicas' },
        { count: 0 },
      );
      templates.push(
        podTemplate(object, {
          role: `worker group ${groupName}`,
          specPath: groupBase.concat('template', 'spec'),
          metadataPath: groupBase.concat('template', 'metadata'),
          replicas: autoscaled ? replicas : withoutBounds(replicas),
          controllerLabels: rayLabels(clusterLabel, 'worker', groupName),
        }),
      );
    }
    const workers = templates.slice(1);
    const gpuWorkers = workers.filter((t) => t.containers.some((c) => hasGpu(c.container)));
    const serving = gpuWorkers[0] ?? workers[0] ?? templates[0]!;
    const serve =
      info.id === 'RayService' ? readServeConfig(object) : { deployments: [], models: [], unread: [] };
    return workload(object, info, {
      templates,
      replicas: serving.replicas,
      strategy:
        info.id === 'RayService'
          ? // The default upgrade (NewCluster) starts a whole new cluster and switches traffic to it.
            { type: 'blue-green', scaleDownDelaySeconds: 60, at: at(object, ['spec']) }
          : undefined,
      selector: clusterLabel,
      autoscaling: autoscaled
        ? {
            min: serving.replicas.min,
            max: serving.replicas.max,
            metric: 'ray-autoscaler',
            at: serving.replicas.at,
          }
        : undefined,
      models: serve.models,
      batch: info.role === 'batch',
      servesModels: info.id === 'RayService',
      injectedProbes: 'model-ready',
      serveDeployments: serve.deployments,
      unread: serve.unread,
    });
  },
};

/**
 * The labels KubeRay puts on a group's pods, in the order the object spread that this replaces wrote
 * them (`{ ...clusterLabel, 'ray.io/node-type': …, 'ray.io/group': … }`): a spread per template was a
 * slow generic copy.
 */
function rayLabels(
  clusterLabel: Record<string, string>,
  nodeType: string,
  group: string | undefined,
): Record<string, string> {
  const labels: Record<string, string> = {};
  const cluster = clusterLabel['ray.io/cluster'];
  if (cluster !== undefined) labels['ray.io/cluster'] = cluster;
  labels['ray.io/node-type'] = nodeType;
  if (group !== undefined) labels['ray.io/group'] = group;
  return labels;
}

/** The replicas without min and max (the autoscaler is off): one literal of Replicas' shape, no spread. */
function withoutBounds(replicas: Replicas): Replicas {
  return {
    count: replicas.count,
    min: undefined,
    max: undefined,
    defaulted: replicas.defaulted,
    at: replicas.at,
  };
}

/** An accelerator's resource name; one pattern object, not a new RegExp per key (a literal in a callback). */
const ACCELERATOR_KEY = /gpu|neuron|tpu/i;

function hasGpu(container: Record<string, unknown>): boolean {
  const limits = asRecord(asRecord(container.resources).limits);
  const keys = Object.keys(limits);
  for (let i = 0; i < keys.length; i++) if (ACCELERATOR_KEY.test(keys[i]!)) return true;
  return false;
}

/** Environment variables of a Serve application that name its model. */
const MODEL_ENV = /^(MODEL(_ID|_NAME|_PATH)?|HF_MODEL_ID)$/;

/**
 * The value of a plain one-document serveConfigV2 from the fast path (the yaml package reads it the
 * same, see test/fast-yaml.test.ts, ten times slower); undefined when the yaml package must read it.
 */
function readServeConfigFast(text: string): unknown {
  const fast = parseFast(text, 1, MAX_NESTING_DEPTH);
  return fast?.documentCount === 1 ? (fast.documents[0]?.value ?? undefined) : undefined;
}

/** Deployments and model ids of a RayService's serveConfigV2 (YAML in a string). */
function readServeConfig(object: K8sObject): {
  deployments: RayServeDeployment[];
  models: ModelRef[];
  unread: Workload['unread'][number][];
} {
  const text = getPath(object.raw, ['spec', 'serveConfigV2']);
  if (typeof text !== 'string') return { deployments: [], models: [], unread: [] };
  let config: unknown = readServeConfigFast(text);
  try {
    config ??= parse(text, { maxAliasCount: 100 });
  } catch (error) {
    const reason = (error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)).replace(
      /:$/,
      '',
    );
    return {
      deployments: [],
      models: [],
      unread: [
        {
          message: `${object.ref} spec.serveConfigV2 is not valid YAML (${reason}): its Serve deployments were not checked`,
          at: at(object, ['spec', 'serveConfigV2']),
        },
      ],
    };
  }
  const deployments: RayServeDeployment[] = [];
  const models: ModelRef[] = [];
  const where = at(object, ['spec', 'serveConfigV2']);
  for (const app of asArray(asRecord(config).applications).map(asRecord)) {
    const application = asString(app.name) ?? '(unnamed)';
    for (const d of asArray(app.deployments).map(asRecord)) {
      const autoscaling = asRecord(d.autoscaling_config);
      const num = (v: unknown) => (typeof v === 'number' ? v : undefined);
      deployments.push({
        application,
        name: asString(d.name) ?? '(unnamed)',
        numReplicas: d.num_replicas === 'auto' ? 'auto' : num(d.num_replicas),
        minReplicas: num(autoscaling.min_replicas),
        maxReplicas: num(autoscaling.max_replicas),
        numGpus: num(asRecord(d.ray_actor_options).num_gpus),
      });
    }
    const env = stringMap(getPath(app, ['runtime_env', 'env_vars']));
    for (const [name, value] of Object.entries(env)) {
      if (MODEL_ENV.test(name))
        models.push({
          reference: value,
          source: 'serveConfig',
          revision: env.MODEL_REVISION ?? env.REVISION,
          at: where,
          container: undefined,
        });
    }
    const llm = asRecord(getPath(app, ['args', 'llm_configs', 0, 'model_loading_config']));
    const source = asString(llm.model_source) ?? asString(llm.model_id);
    if (source && isRecord(llm))
      models.push({
        reference: source,
        source: 'serveConfig',
        revision: undefined,
        at: where,
        container: undefined,
      });
  }
  return { deployments, models, unread: [] };
}
