import { asArray, asRecord, asString, getPath, isRecord, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { ModelRef, PodTemplate, Replicas, Workload } from './model.js';
import { at, boundedReplicas, hinted, podTemplate, synthesisedContainerRef, workload } from './pods.js';
import type { RuntimeId } from './runtime.js';
import type { WorkloadReader } from './reader.js';

/**
 * BentoML BentoDeployment (Yatai): an API server and one Deployment per runner, each with its own
 * resources and autoscaling (minReplicas/maxReplicas); Yatai builds the image from the Bento and
 * probes /readyz and /livez. https://docs.bentoml.com/en/latest/
 */
export const bentoDeploymentReader: WorkloadReader = {
  ids: ['BentoDeployment'],
  read(object: K8sObject, info: KindInfo): Workload {
    const templates: PodTemplate[] = [];
    const component = (role: string, base: YamlPath): PodTemplate => {
      const spec = asRecord(getPath(object.raw, base));
      // Older Yatai versions spell the bounds in snake case.
      const snake =
        'min_replicas' in asRecord(spec.autoscaling) || 'max_replicas' in asRecord(spec.autoscaling);
      const replicas = boundedReplicas(
        object,
        [...base, 'autoscaling'],
        snake ? { min: 'min_replicas', max: 'max_replicas' } : { min: 'minReplicas', max: 'maxReplicas' },
        { min: 1 },
      );
      const container = { resources: spec.resources, env: spec.envs ?? spec.env };
      return podTemplate(object, {
        role,
        specPath: base,
        metadataPath: ['metadata'],
        replicas,
        synthesized: true,
        spec: {},
        controllerLabels: { 'yatai.ai/bento-deployment': object.name },
        containers: (t) => [
          synthesisedContainerRef(
            t,
            role === 'api server' ? 'main' : role,
            container,
            { resources: [...base, 'resources'], env: [...base, spec.envs ? 'envs' : 'env'] },
            base,
          ),
        ],
      });
    };
    templates.push(component('api server', ['spec']));
    asArray(getPath(object.raw, ['spec', 'runners'])).forEach((r, i) => {
      const name = asString(asRecord(r).name) ?? `runner ${i}`;
      templates.push(component(`runner ${name}`, ['spec', 'runners', i]));
    });
    const main = templates[0]!;
    const tag =
      asString(getPath(object.raw, ['spec', 'bento_tag'])) ??
      asString(getPath(object.raw, ['spec', 'bento']));
    const models: ModelRef[] = tag
      ? [
          {
            reference: tag,
            source: 'preset',
            revision: tag.includes(':') ? tag.split(':')[1] : undefined,
            at: at(object, ['spec', getPath(object.raw, ['spec', 'bento_tag']) ? 'bento_tag' : 'bento']),
            container: undefined,
          },
        ]
      : [];
    return workload(object, info, {
      templates,
      replicas: main.replicas,
      strategy: { type: 'rolling', maxSurge: undefined, maxUnavailable: undefined, at: at(object, ['spec']) },
      selector: { 'yatai.ai/bento-deployment': object.name },
      autoscaling: isRecord(getPath(object.raw, ['spec', 'autoscaling']))
        ? {
            min: main.replicas.min,
            max: main.replicas.max,
            metric:
              asString(getPath(object.raw, ['spec', 'autoscaling', 'metrics', 0, 'resource', 'name'])) ??
              'cpu',
            at: at(object, ['spec', 'autoscaling']),
          }
        : undefined,
      models,
      servesModels: true,
      injectedProbes: 'model-ready',
    });
  },
};

/**
 * KAITO Workspace: a model preset (or a pod template of your own under inference.template) served
 * on nodes of resource.instanceType that KAITO provisions. Preset images and weights are pinned by
 * the KAITO release. https://kaito-project.github.io/kaito/docs/
 */
export const kaitoWorkspaceReader: WorkloadReader = {
  ids: ['KaitoWorkspace'],
  read(object: K8sObject, info: KindInfo): Workload {
    const replicas: Replicas = {
      count: 1,
      min: undefined,
      max: undefined,
      defaulted: true,
      at: at(object, ['inference']),
    };
    const custom = isRecord(getPath(object.raw, ['inference', 'template']));
    const templates = custom
      ? [
          podTemplate(object, {
            specPath: ['inference', 'template', 'spec'],
            metadataPath: ['inference', 'template', 'metadata'],
            replicas,
          }),
        ]
      : [];
    const preset = asString(getPath(object.raw, ['inference', 'preset', 'name']));
    return workload(object, info, {
      templates,
      replicas,
      strategy: {
        type: 'rolling',
        maxSurge: undefined,
        maxUnavailable: undefined,
        at: at(object, ['inference']),
      },
      selector: getPath(object.raw, ['resource', 'labelSelector']),
      models: preset
        ? [
            {
              reference: preset,
              source: 'preset',
              revision: 'the KAITO release',
              at: at(object, ['inference', 'preset', 'name']),
              container: undefined,
            },
          ]
        : [],
      servesModels: true,
      injectedProbes: custom ? 'none' : 'model-ready',
    });
  },
};

/**
 * KubeAI Model: weights from spec.url (hf://, s3://, ollama://, pvc://) and LoRA adapters from
 * spec.adapters[].url, served by spec.engine on a
 * resourceProfile, scaled by KubeAI between minReplicas (0 by default: scale from zero) and
 * maxReplicas on in-flight requests. https://www.kubeai.org/reference/kubernetes-api/
 */
export const kubeAIModelReader: WorkloadReader = {
  ids: ['KubeAIModel'],
  read(object: K8sObject, info: KindInfo): Workload {
    const spec = asRecord(object.raw.spec);
    const replicas = boundedReplicas(
      object,
      ['spec'],
      { count: 'replicas', min: 'minReplicas', max: 'maxReplicas' },
      { min: 0 },
    );
    const fields: Record<string, YamlPath> = {
      args: ['spec', 'args'],
      env: ['spec', 'env'],
      resources: ['spec', 'resourceProfile'],
    };
    const container: Record<string, unknown> = { args: spec.args, env: envList(spec.env) };
    const template = podTemplate(object, {
      specPath: ['spec'],
      metadataPath: ['metadata'],
      replicas,
      synthesized: true,
      spec: {},
      controllerLabels: { model: object.name },
      containers: (t) => [
        hinted(
          synthesisedContainerRef(t, 'server', container, fields, ['spec']),
          ENGINES[asString(spec.engine) ?? ''],
        ),
      ],
    });
    const url = asString(spec.url);
    return workload(object, info, {
      templates: [template],
      replicas,
      strategy: { type: 'rolling', maxSurge: undefined, maxUnavailable: undefined, at: at(object, ['spec']) },
      selector: { model: object.name },
      autoscaling: {
        min: replicas.min,
        max: replicas.max,
        metric: 'in-flight requests',
        at: replicas.at,
      },
      models: [
        ...(url
          ? [
              {
                reference: url,
                source: 'url' as const,
                revision: undefined,
                at: at(object, ['spec', 'url']),
                container: undefined,
              },
            ]
          : []),
        // LoRA adapters (spec.adapters[].url), loaded by the engine beside the base model.
        ...asArray(spec.adapters).flatMap((a, i) => {
          const adapter = asString(asRecord(a).url);
          return adapter
            ? [
                {
                  reference: adapter,
                  source: 'lora' as const,
                  revision: undefined,
                  at: at(object, ['spec', 'adapters', i, 'url']),
                  container: undefined,
                },
              ]
            : [];
        }),
      ],
      servesModels: true,
      injectedProbes: 'model-ready',
    });
  },
};

/** KubeAI engines by the model server they run. */
const ENGINES: Record<string, RuntimeId> = {
  VLLM: 'vllm',
  OLlama: 'custom',
  Infinity: 'custom',
  FasterWhisper: 'custom',
};

/** KubeAI writes env as a map; pods take a list. */
function envList(env: unknown): unknown {
  if (!isRecord(env)) return env;
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}
