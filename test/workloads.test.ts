import { describe, expect, it } from 'vitest';
import { toObject, type K8sObject } from '../src/check/objects.js';
import { parseYaml } from '../src/manifest/yaml.js';
import { KINDS, lookupKind } from '../src/workloads/kinds.js';
import type { Workload } from '../src/workloads/model.js';
import { modelRefsOf } from '../src/workloads/model-refs.js';
import { readWorkloads, WORKLOAD_READERS } from '../src/workloads/registry.js';
import { checkText } from './helpers/check.js';

/** The workloads of a YAML text, by ref, read the way `check` reads them. */
function read(text: string): { workloads: Map<string, Workload>; objects: K8sObject[] } {
  const objects = parseYaml(text, 'test.yaml')
    .documents.map(toObject)
    .filter((o): o is K8sObject => !('reason' in o));
  const set = readWorkloads(objects);
  const workloads = new Map<string, Workload>();
  for (const o of objects) {
    const w = set.get(o);
    if (w) workloads.set(o.ref, w);
  }
  return { workloads, objects };
}

const position = (w: Workload, path: readonly (string | number)[]) => w.object.source.positionOf(path).line;

describe('the kind registry', () => {
  it('identifies a kind by API group and kind: a Knative Service is not a core Service', () => {
    expect(lookupKind('v1', 'Service')?.id).toBe('Service');
    expect(lookupKind('serving.knative.dev/v1', 'Service')?.id).toBe('KnativeService');
    expect(lookupKind('mlops.seldon.io/v1alpha1', 'Model')?.id).toBe('SeldonModel');
    expect(lookupKind('kubeai.org/v1', 'Model')?.id).toBe('KubeAIModel');
    expect(lookupKind('example.com/v1', 'Service')).toBeUndefined();
  });

  it('has a reader for every kind that runs pods, and registry ids are unique', () => {
    const ids = KINDS.map((k) => k.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const k of KINDS.filter((x) => ['workload', 'batch', 'runtime-template'].includes(x.role)))
      expect(WORKLOAD_READERS.has(k.id), `${k.id} has no reader`).toBe(true);
  });

  it('writes the group into refs of kinds that share a name with a core kind', () => {
    const { objects } = read(
      'apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: { name: hello }\nspec: { template: { spec: { containers: [{ image: "r/h:1" }] } } }\n',
    );
    expect(objects.map((o) => o.ref)).toEqual(['Service.serving.knative.dev/hello']);
  });

  it('keeps an object of an unread kind that holds containers, and where', () => {
    const { objects } = read(
      'apiVersion: example.com/v1\nkind: ModelServer\nmetadata: { name: m }\nspec:\n  pods:\n    template:\n      containers: [{ name: s, image: "r/s:1" }]\n',
    );
    expect(objects.map((o) => [o.type, o.podSpecAt])).toEqual([['Unread', ['spec', 'pods', 'template']]]);
  });
});

describe('KServe InferenceService', () => {
  const RUNTIME = `apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: { name: vllm-runtime }
spec:
  supportedModelFormats: [{ name: vLLM, autoSelect: true, priority: 1 }]
  containers:
    - name: kserve-container
      image: vllm/vllm-openai:v0.8.5
      args: [--port=8080]
      readinessProbe: { httpGet: { path: /v1/models, port: 8080 } }
      resources: { limits: { cpu: "1", memory: 2Gi } }
      volumeMounts: [{ name: devshm, mountPath: /dev/shm }]
  volumes: [{ name: devshm, emptyDir: { medium: Memory } }]
---
`;
  const ISVC = (model: string) => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: llm }
spec:
  predictor:
    minReplicas: 2
    maxReplicas: 4
    model:
      modelFormat: { name: vLLM }
${model}
    containers:
      - name: kserve-container
        args: [--max-model-len=4096]
        resources: { limits: { cpu: "4", memory: 16Gi, nvidia.com/gpu: "1" } }
      - name: log-shipper
        image: fluent/fluent-bit:3.0.0
  transformer:
    containers: [{ name: pre, image: "r/pre:1.0.0" }]
`;

  it('merges the runtime container, the model and the kserve-container entry into one container', () => {
    const { workloads } = read(RUNTIME + ISVC('      storageUri: hf://org/m'));
    const w = workloads.get('InferenceService/llm')!;
    expect(w.templates.map((t) => [t.role, t.containers.map((c) => c.name)])).toEqual([
      ['predictor', ['kserve-container', 'log-shipper']],
      ['transformer', ['pre']],
    ]);
    const server = w.templates[0]!.containers[0]!;
    // Image and probe from the runtime, resources from the explicit entry, args appended.
    expect(server.container.image).toBe('vllm/vllm-openai:v0.8.5');
    expect(server.container.args).toEqual(['--port=8080', '--max-model-len=4096']);
    expect(server.at('image').object.kind).toBe('ServingRuntime');
    expect(server.at('resources').object.kind).toBe('InferenceService');
    expect(server.at('resources').path).toEqual(['spec', 'predictor', 'containers', 0, 'resources']);
    // The runtime's volumes come with it, so /dev/shm is mounted.
    expect(w.templates[0]!.spec.volumes).toEqual([{ name: 'devshm', emptyDir: { medium: 'Memory' } }]);
    expect(w.builtFrom.map((o) => o.ref)).toEqual(['ServingRuntime/vllm-runtime']);
    expect(w.replicas).toMatchObject({ count: 2, min: 2, max: 4 });
  });

  it('reports each field once: a missing probe is one finding, not one per source', () => {
    const result = checkText(ISVC('      storageUri: hf://org/m'), { only: ['model-aware-readiness-probe'] });
    expect(result.findings.map((f) => f.message)).toEqual([
      'container "kserve-container" in InferenceService/llm declares no readinessProbe, so KServe injects a TCP probe that passes before the model loads; use httpGet /health or /v1/models',
      'container "pre" in InferenceService/llm declares no readinessProbe, so KServe injects a TCP probe that passes before the model loads; use httpGet /v2/health/ready or /v2/models/*/ready or /v1/models/*',
    ]);
  });

  it('finds the runtime by name before model format, and leaves used runtimes out of the workloads', () => {
    const other = RUNTIME.replace('name: vllm-runtime', 'name: other').replace('priority: 1', 'priority: 2');
    const { workloads } = read(RUNTIME + other + ISVC('      runtime: vllm-runtime'));
    expect(workloads.get('InferenceService/llm')!.builtFrom.map((o) => o.name)).toEqual(['vllm-runtime']);
    expect([...workloads.keys()]).toEqual(['ServingRuntime/other', 'InferenceService/llm']);
    const auto = read(RUNTIME + other + ISVC('      storageUri: hf://org/m')).workloads;
    expect(auto.get('InferenceService/llm')!.builtFrom.map((o) => o.name)).toEqual(['other']);
  });

  it('reads the storageUri and the canary split', () => {
    const { workloads } = read(
      ISVC('      storageUri: gs://m/llm/2/').replace('minReplicas: 2', 'canaryTrafficPercent: 20'),
    );
    const w = workloads.get('InferenceService/llm')!;
    expect(modelRefsOf(w).map((m) => [m.reference, m.source])).toEqual([['gs://m/llm/2/', 'storageUri']]);
    expect(w.traffic.map((t) => [t.target, t.percent])).toEqual([
      ['latest', 20],
      ['previous', 80],
    ]);
  });
});

describe('KubeRay', () => {
  const RAY = `apiVersion: ray.io/v1
kind: RayService
metadata: { name: llm }
spec:
  serveConfigV2: |
    applications:
      - name: llm
        runtime_env: { env_vars: { MODEL_ID: "meta-llama/Llama-3.1-8B-Instruct" } }
        deployments:
          - name: VLLMDeployment
            num_replicas: auto
            autoscaling_config: { min_replicas: 1, max_replicas: 4 }
            ray_actor_options: { num_gpus: 1 }
  rayClusterConfig:
    headGroupSpec:
      template: { spec: { containers: [{ name: ray-head, image: "rayproject/ray:2.52.0" }] } }
    workerGroupSpecs:
      - groupName: gpu
        replicas: 2
        minReplicas: 1
        maxReplicas: 4
        template:
          spec:
            containers:
              - name: worker
                image: rayproject/ray:2.52.0
                resources: { limits: { nvidia.com/gpu: "1" } }
`;

  it('reads head and worker groups, the GPU group as the serving replicas, and serveConfigV2 as YAML', () => {
    const w = read(RAY).workloads.get('RayService/llm')!;
    expect(w.templates.map((t) => t.role)).toEqual(['head', 'worker group gpu']);
    expect(w.replicas.count).toBe(2);
    expect(position(w, w.replicas.at.path)).toBe(19);
    expect(w.serveDeployments).toEqual([
      {
        application: 'llm',
        name: 'VLLMDeployment',
        numReplicas: 'auto',
        minReplicas: 1,
        maxReplicas: 4,
        numGpus: 1,
      },
    ]);
    expect(modelRefsOf(w).map((m) => m.reference)).toEqual(['meta-llama/Llama-3.1-8B-Instruct']);
    expect(w.injectedProbes).toBe('model-ready');
  });
});

describe('LeaderWorkerSet', () => {
  it('reads leader and worker templates, size, replicas, the rollout strategy and the set label', () => {
    const w = read(`apiVersion: leaderworkerset.x-k8s.io/v1
kind: LeaderWorkerSet
metadata: { name: vllm }
spec:
  replicas: 3
  rolloutStrategy: { type: RollingUpdate, rollingUpdateConfiguration: { maxUnavailable: 2, maxSurge: 1 } }
  leaderWorkerTemplate:
    size: 4
    leaderTemplate: { spec: { containers: [{ name: leader, image: "vllm/vllm-openai:v0.8.5" }] } }
    workerTemplate: { spec: { containers: [{ name: worker, image: "vllm/vllm-openai:v0.8.5" }] } }
`).workloads.get('LeaderWorkerSet/vllm')!;
    expect(w.templates.map((t) => [t.role, t.serves])).toEqual([
      ['leader', true],
      ['worker', false],
    ]);
    expect(w.templates[0]!.labels).toEqual({
      'leaderworkerset.sigs.k8s.io/name': 'vllm',
      'leaderworkerset.sigs.k8s.io/worker-index': '0',
    });
    expect(w.replicas.count).toBe(3);
    expect(w.strategy).toMatchObject({ type: 'rolling', maxUnavailable: 2, maxSurge: 1 });
  });
});

describe('Seldon', () => {
  it('reads a SeldonDeployment: componentSpecs, prepackaged graph nodes, replicas, traffic, shadows', () => {
    const w = read(`apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: { name: iris }
spec:
  predictors:
    - name: main
      replicas: 3
      traffic: 75
      graph: { name: clf, implementation: SKLEARN_SERVER, modelUri: "gs://m/iris/1" }
    - name: canary
      traffic: 25
      componentSpecs: [{ spec: { containers: [{ name: clf, image: "r/iris:2" }] } }]
      graph: { name: clf, type: MODEL }
    - name: shadow
      shadow: true
      graph: { name: clf, implementation: SKLEARN_SERVER, modelUri: "gs://m/iris/3" }
`).workloads.get('SeldonDeployment/iris')!;
    expect(
      w.templates.map((t) => [t.role, t.containers.map((c) => [c.name, c.partial, c.runtimeHint])]),
    ).toEqual([
      ['predictor main', [['clf', true, 'mlserver']]],
      ['predictor canary', [['clf', false, undefined]]],
      ['predictor shadow', [['clf', true, 'mlserver']]],
    ]);
    expect(w.traffic.map((t) => [t.target, t.percent])).toEqual([
      ['main', 75],
      ['canary', 25],
    ]);
    expect(w.models.map((m) => m.reference)).toEqual(['gs://m/iris/1', 'gs://m/iris/3']);
  });

  it('puts a Seldon Experiment split into the traffic table', () => {
    const result = checkText(`apiVersion: mlops.seldon.io/v1alpha1
kind: Model
metadata: { name: iris }
spec: { storageUri: "gs://m/iris/1", replicas: 2 }
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Experiment
metadata: { name: ab }
spec:
  default: iris
  candidates: [{ name: iris, weight: 3 }, { name: iris2, weight: 1 }]
`);
    expect(result.services.map((s) => [s.name, s.objects, s.traffic])).toEqual([
      [
        'iris',
        ['Model/iris', 'Experiment/ab'],
        [
          { version: 'iris', share: 75, source: 'Experiment/ab' },
          { version: 'iris2', share: 25, source: 'Experiment/ab' },
        ],
      ],
    ]);
  });
});

describe('operator kinds', () => {
  it('synthesises a NIMService container from its image, resources and expose, pointing at their lines', () => {
    const w = read(`apiVersion: apps.nvidia.com/v1alpha1
kind: NIMService
metadata: { name: llama }
spec:
  image: { repository: nvcr.io/nim/meta/llama-3.1-8b-instruct, tag: "1.8.3" }
  replicas: 2
  resources: { limits: { nvidia.com/gpu: 1 } }
  expose: { service: { type: ClusterIP, port: 8000 } }
`).workloads.get('NIMService/llama')!;
    const c = w.containers[0]!;
    expect(c.container.image).toBe('nvcr.io/nim/meta/llama-3.1-8b-instruct:1.8.3');
    expect(position(w, c.at('image').path)).toBe(5);
    expect(position(w, c.at('resources').path)).toBe(7);
    expect([w.replicas.count, w.injectedProbes, c.runtimeHint]).toEqual([2, 'model-ready', 'nim']);
  });

  it('reads Dynamo components with their own replicas and `gpu` resources as nvidia.com/gpu', () => {
    const w = read(`apiVersion: nvidia.com/v1alpha1
kind: DynamoGraphDeployment
metadata: { name: d }
spec:
  services:
    Frontend: { replicas: 2, extraPodSpec: { mainContainer: { image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1" } } }
    Worker:
      replicas: 3
      resources: { limits: { gpu: "1" } }
      extraPodSpec: { mainContainer: { image: "nvcr.io/nvidia/ai-dynamo/vllm-runtime:0.6.1", args: [--model, Qwen/Qwen3-0.6B] } }
`).workloads.get('DynamoGraphDeployment/d')!;
    expect(w.templates.map((t) => [t.role, t.replicas.count])).toEqual([
      ['Frontend', 2],
      ['Worker', 3],
    ]);
    expect(w.replicas.count).toBe(3);
    expect(w.containers[1]!.container.resources).toEqual({ requests: {}, limits: { 'nvidia.com/gpu': '1' } });
  });

  it('reads KubeAI scale-from-zero bounds and its model url; KAITO presets are pinned by the release', () => {
    const { workloads } = read(`apiVersion: kubeai.org/v1
kind: Model
metadata: { name: m }
spec: { url: "hf://org/m", engine: VLLM, resourceProfile: "nvidia-gpu-l4:1", maxReplicas: 3 }
---
apiVersion: kaito.sh/v1beta1
kind: Workspace
metadata: { name: w }
resource: { instanceType: Standard_NC24ads_A100_v4 }
inference: { preset: { name: phi-3-mini-4k-instruct } }
`);
    const kubeai = workloads.get('Model/m')!;
    expect(kubeai.autoscaling).toMatchObject({ min: 0, max: 3 });
    expect(modelRefsOf(kubeai).map((m) => [m.reference, m.source])).toEqual([['hf://org/m', 'url']]);
    expect(modelRefsOf(workloads.get('Workspace/w')!).map((m) => m.revision)).toEqual(['the KAITO release']);
  });

  it('reads BentoDeployment runners as their own pods with their own autoscaling', () => {
    const w = read(`apiVersion: serving.yatai.ai/v2alpha1
kind: BentoDeployment
metadata: { name: b }
spec:
  bento: iris
  autoscaling: { minReplicas: 2, maxReplicas: 4 }
  resources: { limits: { cpu: "1" } }
  runners: [{ name: clf, autoscaling: { minReplicas: 1, maxReplicas: 2 } }]
`).workloads.get('BentoDeployment/b')!;
    expect(w.templates.map((t) => [t.role, t.replicas.min, t.replicas.max])).toEqual([
      ['api server', 2, 4],
      ['runner clf', 1, 2],
    ]);
  });
});

describe('Knative and the core kinds', () => {
  it('reads a Knative Service: scale-to-zero by default, traffic, user-container', () => {
    const w = read(`apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: hello }
spec:
  template:
    metadata: { annotations: { autoscaling.knative.dev/max-scale: "5" } }
    spec: { containers: [{ image: "r/hello:1" }] }
  traffic: [{ latestRevision: true, percent: 100 }]
`).workloads.get('Service.serving.knative.dev/hello')!;
    expect(w.autoscaling).toMatchObject({ min: 0, max: 5, metric: 'concurrency' });
    expect(w.containers.map((c) => c.name)).toEqual(['user-container']);
    expect(w.traffic.map((t) => [t.target, t.percent])).toEqual([['latest', 100]]);
  });

  it('reads removed API versions as their replacement kind, so no-removed-api-version still sees them', () => {
    const result = checkText(
      'apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata: { name: d }\nspec:\n  template:\n    spec: { containers: [{ name: s, image: "r/s:1" }] }\n',
      { only: ['no-removed-api-version', 'unknown-workload-kind'] },
    );
    expect(result.findings.map((f) => f.ruleId)).toEqual(['no-removed-api-version']);
  });

  it('reads model ids from flags, env, `vllm serve` and $(VAR) arguments, with a pinned revision', () => {
    const w = read(`apiVersion: apps/v1
kind: Deployment
metadata: { name: d }
spec:
  template:
    spec:
      containers:
        - name: a
          image: vllm/vllm-openai:v0.8.5
          command: [vllm, serve, org/a]
          args: [--revision, 0123abc]
        - name: b
          image: vllm/vllm-openai:v0.8.5
          args: [--model=$(MODEL_ID)]
          env: [{ name: MODEL_ID, value: org/b }]
        - name: c
          image: lmsysorg/sglang:v0.4.0
          command: [sh, -c, "python3 -m sglang.launch_server --model-path org/c --port 30000"]
`).workloads.get('Deployment/d')!;
    expect(modelRefsOf(w).map((m) => [m.container?.name, m.reference, m.source, m.revision])).toEqual([
      ['a', 'org/a', 'args', '0123abc'],
      ['b', 'org/b', 'env', undefined],
      ['c', 'org/c', 'args', undefined],
    ]);
  });
});
