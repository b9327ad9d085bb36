/**
 * Every kind mlready reads, keyed by API group and kind together: a Knative `serving.knative.dev`
 * Service is not a core Service, a KubeAI Model is not a Seldon Model. Each entry has an id that is
 * unique across groups (rules filter by it) and a role that says how the engine uses its objects.
 */

/** How the engine uses objects of a kind. */
export type KindRole =
  /** Runs pods that serve requests (or will, once an operator renders them). */
  | 'workload'
  /** Runs pods to completion: batch inference, downloads, drift jobs. */
  | 'batch'
  /** A pod template for other objects' pods: KServe ServingRuntime / ClusterServingRuntime. */
  | 'runtime-template'
  /** Routes traffic: Services, Ingress, Istio, Gateway API, InferencePool, Seldon Experiment/Pipeline. */
  | 'traffic'
  /** Scales a workload: HPA, KEDA, AIBrix PodAutoscaler. */
  | 'autoscaler'
  /** Makes Prometheus scrape pods: ServiceMonitor, PodMonitor, PodMonitoring, ClusterPodMonitoring. */
  | 'scrape'
  /** Alerting and recording rules. */
  | 'alerts'
  /** Protects pods: PodDisruptionBudget, NetworkPolicy, Istio authentication and authorisation. */
  | 'policy'
  /** Configuration and credentials the pods read. */
  | 'config'
  /** mlready's own inputs: the manifest and Helm values files. */
  | 'mlready';

export interface KindInfo {
  /** Unique id the rules use ('Deployment', 'KnativeService', 'SeldonModel'). */
  readonly id: string;
  /** API group ('' for the core group). */
  readonly group: string;
  readonly kind: string;
  /** "KServe InferenceService", for tables and messages. */
  readonly title: string;
  readonly role: KindRole;
  /** What mlready reads of it, for the README table. */
  readonly reads: string;
  /** Where the project documents the kind (the README table links it). */
  readonly docs?: string;
}

const kind = (
  id: string,
  group: string,
  kindName: string,
  title: string,
  role: KindRole,
  docs?: string,
): KindInfo => ({ id, group, kind: kindName, title, role, reads: READS[id] ?? '', docs });

/** What mlready reads of each kind. */
const READS: Record<string, string> = {
  ConfigMap: 'data (literal secrets), immutability when serving pods read it',
  Pod: 'its pod spec',
  Secret: 'committed data',
  Service: 'selector, type, ports (exposure, admin ports, which container is served)',
  DaemonSet: 'pod template, update strategy',
  Deployment: 'pod template, replicas, rolling update, progress deadline, revision history',
  ReplicaSet: 'pod template, replicas',
  StatefulSet: 'pod template, replicas, ordered update',
  Rollout: 'pod template, replicas, canary steps and blue-green (workloadRef is not followed)',
  HorizontalPodAutoscaler: 'scale target, min/max replicas, metrics',
  PodAutoscaler: 'scale target, min/max replicas, target metric',
  CronJob: 'pod template (batch: general rules only)',
  Job: 'pod template (batch: general rules only)',
  HTTPRoute: 'backendRefs and their weights (traffic table), the Services and InferencePools it routes to',
  InferencePool: 'selector and target port: the pods it selects are model servers',
  InferencePoolAlpha: 'selector and target port: the pods it selects are model servers',
  KaitoWorkspace: 'preset (pinned by the KAITO release) or inference.template',
  ScaledObject: 'scale target, min/max replica count, triggers',
  KubeAIModel: 'url (model reference), engine, args, env, min/max replicas (scale from zero by default)',
  LeaderWorkerSet: 'leader and worker templates, size, replicas, rollout strategy',
  SeldonDeployment:
    'predictors: componentSpecs pod templates, graph (prepackaged servers, modelUri), replicas, traffic, shadow',
  ModelService: 'the model manifest (mlready.yaml)',
  SeldonExperiment: 'candidates and their weights (traffic table)',
  SeldonModel: 'storageUri, replicas, min/max replicas, the Server it runs on',
  SeldonPipeline: 'steps (ties it to its Models)',
  SeldonServer: 'podSpec (a patch over its ServerConfig), replicas',
  PodMonitor: 'selector and ports scraped',
  PrometheusRule: 'alerting and recording rules (latency, error and drift alerts)',
  ServiceMonitor: 'selector and ports scraped',
  ClusterPodMonitoring: 'selector and ports scraped',
  PodMonitoring: 'selector and ports scraped',
  DestinationRule: 'subsets and their version labels',
  VirtualService: 'routes and weights (traffic table), the Services it routes to',
  Ingress: 'backends, auth annotations',
  NetworkPolicy: 'pod selector',
  DynamoGraphDeployment:
    'services (frontend, prefill and decode workers): replicas, resources (gpu), extraPodSpec.mainContainer',
  NIMService: 'image, resources, env, replicas or scale.hpa, storage, expose, probes',
  PodDisruptionBudget: 'selector, minAvailable/maxUnavailable',
  RayCluster: 'head and worker group templates, replicas/min/max',
  RayJob: 'cluster spec (batch: general rules only)',
  RayService:
    'head and worker group templates, replicas/min/max, serveConfigV2 parsed as YAML (deployments, num_replicas, autoscaling_config, ray_actor_options.num_gpus, model ids)',
  AuthorizationPolicy: 'selector (authentication in front)',
  RequestAuthentication: 'selector (authentication in front)',
  KnativeService: 'revision template, min/max scale annotations (scale to zero by default), traffic',
  ClusterServingRuntime:
    'container, volumes, annotations: merged into the InferenceServices that use it, else checked as a template',
  InferenceService:
    'predictor, transformer and explainer; model + kserve-container + ServingRuntime merged into one container; min/max replicas; canaryTrafficPercent',
  ServingRuntime:
    'container, volumes, annotations: merged into the InferenceServices that use it, else checked as a template',
  BentoDeployment: 'resources and autoscaling of the API server and each runner, the bento tag',
};

/** The registry, sorted by group then kind. Adding a kind: one line here (and a reader if it runs pods). */
export const KINDS: readonly KindInfo[] = [
  kind('ConfigMap', '', 'ConfigMap', 'ConfigMap', 'config'),
  kind('Pod', '', 'Pod', 'Pod', 'workload'),
  kind('Secret', '', 'Secret', 'Secret', 'config'),
  kind('Service', '', 'Service', 'Service', 'traffic'),
  kind('DaemonSet', 'apps', 'DaemonSet', 'DaemonSet', 'workload'),
  kind('Deployment', 'apps', 'Deployment', 'Deployment', 'workload'),
  kind('ReplicaSet', 'apps', 'ReplicaSet', 'ReplicaSet', 'workload'),
  kind('StatefulSet', 'apps', 'StatefulSet', 'StatefulSet', 'workload'),
  kind('Rollout', 'argoproj.io', 'Rollout', 'Argo Rollouts Rollout', 'workload'),
  kind(
    'HorizontalPodAutoscaler',
    'autoscaling',
    'HorizontalPodAutoscaler',
    'HorizontalPodAutoscaler',
    'autoscaler',
  ),
  kind(
    'PodAutoscaler',
    'autoscaling.aibrix.ai',
    'PodAutoscaler',
    'AIBrix PodAutoscaler',
    'autoscaler',
    'https://aibrix.readthedocs.io/latest/features/autoscaling/',
  ),
  kind('CronJob', 'batch', 'CronJob', 'CronJob (batch inference)', 'batch'),
  kind('Job', 'batch', 'Job', 'Job (batch inference)', 'batch'),
  kind('HTTPRoute', 'gateway.networking.k8s.io', 'HTTPRoute', 'Gateway API HTTPRoute', 'traffic'),
  kind(
    'InferencePool',
    'inference.networking.k8s.io',
    'InferencePool',
    'Gateway API Inference Extension InferencePool',
    'traffic',
    'https://gateway-api-inference-extension.sigs.k8s.io/api-types/inferencepool/',
  ),
  kind(
    'InferencePoolAlpha',
    'inference.networking.x-k8s.io',
    'InferencePool',
    'Gateway API Inference Extension InferencePool (v1alpha2)',
    'traffic',
  ),
  kind(
    'KaitoWorkspace',
    'kaito.sh',
    'Workspace',
    'KAITO Workspace',
    'workload',
    'https://kaito-project.github.io/kaito/',
  ),
  kind('ScaledObject', 'keda.sh', 'ScaledObject', 'KEDA ScaledObject', 'autoscaler'),
  kind(
    'KubeAIModel',
    'kubeai.org',
    'Model',
    'KubeAI Model',
    'workload',
    'https://www.kubeai.org/reference/kubernetes-api/',
  ),
  kind(
    'LeaderWorkerSet',
    'leaderworkerset.x-k8s.io',
    'LeaderWorkerSet',
    'LeaderWorkerSet',
    'workload',
    'https://lws.sigs.k8s.io/docs/reference/leaderworkerset.v1/',
  ),
  kind(
    'SeldonDeployment',
    'machinelearning.seldon.io',
    'SeldonDeployment',
    'Seldon Core v1 SeldonDeployment',
    'workload',
  ),
  kind('ModelService', 'mlready.dev', 'ModelService', 'mlready.yaml', 'mlready'),
  kind('SeldonExperiment', 'mlops.seldon.io', 'Experiment', 'Seldon Core v2 Experiment', 'traffic'),
  kind('SeldonModel', 'mlops.seldon.io', 'Model', 'Seldon Core v2 Model', 'workload'),
  kind('SeldonPipeline', 'mlops.seldon.io', 'Pipeline', 'Seldon Core v2 Pipeline', 'traffic'),
  kind('SeldonServer', 'mlops.seldon.io', 'Server', 'Seldon Core v2 Server', 'workload'),
  kind('PodMonitor', 'monitoring.coreos.com', 'PodMonitor', 'Prometheus Operator PodMonitor', 'scrape'),
  kind(
    'PrometheusRule',
    'monitoring.coreos.com',
    'PrometheusRule',
    'Prometheus Operator PrometheusRule',
    'alerts',
  ),
  kind(
    'ServiceMonitor',
    'monitoring.coreos.com',
    'ServiceMonitor',
    'Prometheus Operator ServiceMonitor',
    'scrape',
  ),
  kind(
    'ClusterPodMonitoring',
    'monitoring.googleapis.com',
    'ClusterPodMonitoring',
    'Google Managed Prometheus ClusterPodMonitoring',
    'scrape',
  ),
  kind(
    'PodMonitoring',
    'monitoring.googleapis.com',
    'PodMonitoring',
    'Google Managed Prometheus PodMonitoring',
    'scrape',
  ),
  kind('DestinationRule', 'networking.istio.io', 'DestinationRule', 'Istio DestinationRule', 'traffic'),
  kind('VirtualService', 'networking.istio.io', 'VirtualService', 'Istio VirtualService', 'traffic'),
  kind('Ingress', 'networking.k8s.io', 'Ingress', 'Ingress', 'traffic'),
  kind('NetworkPolicy', 'networking.k8s.io', 'NetworkPolicy', 'NetworkPolicy', 'policy'),
  kind(
    'DynamoGraphDeployment',
    'nvidia.com',
    'DynamoGraphDeployment',
    'NVIDIA Dynamo DynamoGraphDeployment',
    'workload',
    'https://docs.nvidia.com/dynamo/latest/guides/dynamo_deploy/',
  ),
  kind(
    'NIMService',
    'apps.nvidia.com',
    'NIMService',
    'NVIDIA NIM Operator NIMService',
    'workload',
    'https://docs.nvidia.com/nim-operator/latest/',
  ),
  kind('PodDisruptionBudget', 'policy', 'PodDisruptionBudget', 'PodDisruptionBudget', 'policy'),
  kind(
    'RayCluster',
    'ray.io',
    'RayCluster',
    'KubeRay RayCluster',
    'workload',
    'https://docs.ray.io/en/latest/cluster/kubernetes/',
  ),
  kind('RayJob', 'ray.io', 'RayJob', 'KubeRay RayJob (batch)', 'batch'),
  kind(
    'RayService',
    'ray.io',
    'RayService',
    'KubeRay RayService',
    'workload',
    'https://docs.ray.io/en/latest/serve/production-guide/kubernetes.html',
  ),
  kind(
    'AuthorizationPolicy',
    'security.istio.io',
    'AuthorizationPolicy',
    'Istio AuthorizationPolicy',
    'policy',
  ),
  kind(
    'RequestAuthentication',
    'security.istio.io',
    'RequestAuthentication',
    'Istio RequestAuthentication',
    'policy',
  ),
  kind('KnativeService', 'serving.knative.dev', 'Service', 'Knative Service', 'workload'),
  kind(
    'ClusterServingRuntime',
    'serving.kserve.io',
    'ClusterServingRuntime',
    'KServe ClusterServingRuntime',
    'runtime-template',
  ),
  kind(
    'InferenceService',
    'serving.kserve.io',
    'InferenceService',
    'KServe InferenceService',
    'workload',
    'https://kserve.github.io/website/',
  ),
  kind('ServingRuntime', 'serving.kserve.io', 'ServingRuntime', 'KServe ServingRuntime', 'runtime-template'),
  kind(
    'BentoDeployment',
    'serving.yatai.ai',
    'BentoDeployment',
    'BentoML BentoDeployment (Yatai)',
    'workload',
    'https://docs.bentoml.com/',
  ),
];

/** The id of every kind mlready reads, plus 'Unread' for objects of other kinds that hold pods. */
export type KindId = string;

/** The Helm values pseudo-kind: a values.yaml file read for literal secrets. */
export const HELM_VALUES: KindInfo = {
  id: 'HelmValues',
  group: 'helm.sh',
  kind: 'HelmValues',
  title: 'Helm values file',
  role: 'mlready',
  reads: 'every value (literal secrets)',
};

/** An object of a kind mlready does not read, kept because it holds a pod template or containers. */
export const UNREAD: KindInfo = {
  id: 'Unread',
  group: '',
  kind: 'Unread',
  title: 'a kind mlready does not read',
  role: 'workload',
  reads: 'where it holds a pod template or containers: reported as not checked',
};

const byKindName = new Map<string, KindInfo[]>();
for (const k of KINDS) byKindName.set(k.kind, [...(byKindName.get(k.kind) ?? []), k]);
const byId = new Map([...KINDS, HELM_VALUES, UNREAD].map((k) => [k.id, k]));
/** Kind names the core group uses: another group's kind of that name is qualified in refs. */
const coreKindNames = new Set(KINDS.filter((k) => k.group === '').map((k) => k.kind));

/** "apps/v1" → "apps", "v1" → "". */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/**
 * The registry entry for an apiVersion and kind, or undefined for a kind mlready does not read.
 * Without an apiVersion (hand-written snippets), a kind name only one group uses is still found.
 * Looked up by kind name, then the group compared in place: once per document of a run, where a
 * "group/kind" key string built, flattened and hashed per call cost ~2 µs in the second run.
 */
export function lookupKind(apiVersion: string, kindName: string): KindInfo | undefined {
  const candidates = byKindName.get(kindName);
  if (candidates === undefined) return undefined;
  if (apiVersion === '') return candidates.length === 1 ? candidates[0] : undefined;
  const slash = apiVersion.indexOf('/');
  const groupLength = slash < 0 ? 0 : slash;
  for (let i = 0; i < candidates.length; i++) {
    const group = candidates[i]!.group;
    if (group.length === groupLength && (groupLength === 0 || apiVersion.startsWith(group)))
      return candidates[i];
  }
  return undefined;
}

export function kindById(id: KindId): KindInfo | undefined {
  return byId.get(id);
}

/**
 * Whether refs to this kind carry its group: a Knative Service shares its kind name with the core
 * Service, so its ref reads `Service.serving.knative.dev/hello`, as kubectl writes it.
 */
export function qualifiesRef(info: KindInfo): boolean {
  return info.group !== '' && coreKindNames.has(info.kind);
}

/**
 * apiVersion/kind pairs removed from Kubernetes (or the operator), with the version to use
 * instead. Objects written against them are read as their replacement's kind.
 */
export const REMOVED_APIS: Readonly<Record<string, { replacement: string; removedIn: string }>> = {
  'autoscaling/v2beta1 HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.25' },
  'autoscaling/v2beta2 HorizontalPodAutoscaler': { replacement: 'autoscaling/v2', removedIn: '1.26' },
  'policy/v1beta1 PodDisruptionBudget': { replacement: 'policy/v1', removedIn: '1.25' },
  'batch/v1beta1 CronJob': { replacement: 'batch/v1', removedIn: '1.25' },
  'extensions/v1beta1 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta1 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2 Deployment': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta1 StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'apps/v1beta2 StatefulSet': { replacement: 'apps/v1', removedIn: '1.16' },
  'extensions/v1beta1 Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'networking.k8s.io/v1beta1 Ingress': { replacement: 'networking.k8s.io/v1', removedIn: '1.22' },
  'extensions/v1beta1 NetworkPolicy': { replacement: 'networking.k8s.io/v1', removedIn: '1.16' },
  'serving.kubeflow.org/v1alpha2 InferenceService': {
    replacement: 'serving.kserve.io/v1beta1',
    removedIn: 'KServe 0.7',
  },
  'serving.kubeflow.org/v1beta1 InferenceService': {
    replacement: 'serving.kserve.io/v1beta1',
    removedIn: 'KServe 0.7',
  },
  'keda.k8s.io/v1alpha1 ScaledObject': { replacement: 'keda.sh/v1alpha1', removedIn: 'KEDA 2.0' },
};

/** The "what mlready reads" table of the README, from the registry. */
export function renderKindsMarkdown(): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = KINDS.map(
    (k) => `| ${k.title} | \`${k.group || 'core'}\` \`${k.kind}\` | ${k.role} | ${cell(k.reads)} |`,
  );
  return [
    '| Kind | API group and kind | Read as | What mlready reads |',
    '| --- | --- | --- | --- |',
    ...rows,
    `| Any other kind that holds a pod template or containers | any | not checked | ${UNREAD.reads} (\`unknown-workload-kind\`) |`,
  ].join('\n');
}
