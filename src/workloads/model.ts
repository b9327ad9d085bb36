import type { K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { RuntimeId } from './runtime.js';

/** Where a value lives, for a finding: the object and the YAML path inside it. */
export interface FieldSource {
  readonly object: K8sObject;
  readonly path: YamlPath;
}

/**
 * A container as its pod will run it. For KServe the predictor's `model`, its `kserve-container`
 * entry and the ServingRuntime's container are merged into one, as KServe merges them; `at()` says
 * which of them holds a field, so a finding points at the line that sets (or should set) it.
 */
export interface ContainerRef {
  readonly workload: K8sObject;
  readonly template: PodTemplate;
  /** Path of the container in the workload (for synthesised containers: the spec it comes from). */
  readonly path: YamlPath;
  readonly container: Record<string, unknown>;
  readonly name: string;
  readonly init: boolean;
  /**
   * A patch the operator merges over a container of its own (a Seldon Server's podSpec): a field
   * missing here is not missing from the pod, so rules only judge the fields that are present.
   */
  readonly partial: boolean;
  /** `container "server" in Deployment/fraud-model` */
  readonly label: string;
  /** The model server its kind says it runs, when its image does not say (KServe format, KubeAI engine). */
  readonly runtimeHint?: RuntimeId;
  /** Where a field of the container is set, or would be set. */
  at(...field: (string | number)[]): FieldSource;
}

/** One pod template of a workload: a Deployment has one, a RayService a head and worker groups. */
export interface PodTemplate {
  readonly workload: K8sObject;
  /** "" for single-template kinds; "predictor", "head", "worker group gpu-group", "leader", … */
  readonly role: string;
  readonly specPath: YamlPath;
  readonly spec: Record<string, unknown>;
  readonly metadataPath: YamlPath;
  /** Labels the pods carry, including those the controller adds (LWS, KubeRay). */
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly containers: readonly ContainerRef[];
  readonly initContainers: readonly ContainerRef[];
  /** Replicas of this template's pods (worker groups have their own). */
  readonly replicas: Replicas;
  /** Written by an operator from higher-level fields (NIMService, KubeAI): pod fields are its defaults. */
  readonly synthesized: boolean;
  /** Its pods receive requests (false for LeaderWorkerSet workers, which only the leader talks to). */
  readonly serves: boolean;
  /** Where a pod-level field (volumes, securityContext, terminationGracePeriodSeconds) is set. */
  atSpec(...field: (string | number)[]): FieldSource;
}

/** How many pods, as declared, and where a finding about it should point. */
export interface Replicas {
  /** The fixed count, or the kind's default when none is written. */
  readonly count: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
  /** The count was not written; `count` is the kind's default. */
  readonly defaulted: boolean;
  readonly at: FieldSource;
}

/** How a new version replaces the old pods. */
export type UpdateStrategy =
  | {
      readonly type: 'rolling';
      readonly maxSurge: unknown;
      readonly maxUnavailable: unknown;
      readonly at: FieldSource;
    }
  | { readonly type: 'recreate'; readonly at: FieldSource }
  /** StatefulSet: one pod after the other (or maxUnavailable at a time). */
  | { readonly type: 'ordered'; readonly maxUnavailable: unknown; readonly at: FieldSource }
  | {
      readonly type: 'blue-green';
      readonly scaleDownDelaySeconds: number | undefined;
      readonly at: FieldSource;
    };

/** A reference to model weights: an id, a URI or a preset, with the revision when one is pinned. */
export interface ModelRef {
  readonly reference: string;
  /**
   * How it is given: a container flag or env var, a ConfigMap key the container reads, a LoRA
   * adapter (`--lora-modules`), storageUri, a CRD field, a Ray Serve deployment.
   */
  readonly source: 'args' | 'env' | 'configMap' | 'lora' | 'storageUri' | 'url' | 'preset' | 'serveConfig';
  /** A --revision (or TGI REVISION) pinned alongside a Hugging Face id. */
  readonly revision: string | undefined;
  readonly at: FieldSource;
  readonly container: ContainerRef | undefined;
}

/** A share of traffic declared by a workload itself (KServe canary, Seldon predictors, Knative traffic). */
export interface DeclaredTraffic {
  readonly target: string;
  readonly percent: number;
  readonly at: FieldSource;
}

/** A Ray Serve deployment read from a RayService's serveConfigV2. */
export interface RayServeDeployment {
  readonly application: string;
  readonly name: string;
  readonly numReplicas: number | 'auto' | undefined;
  readonly minReplicas: number | undefined;
  readonly maxReplicas: number | undefined;
  readonly numGpus: number | undefined;
}

/**
 * Everything the rules need to know about an object that runs pods, whatever its kind: read through
 * one interface, so no rule walks `spec.template.spec.containers` itself.
 */
export interface Workload {
  readonly object: K8sObject;
  readonly info: KindInfo;
  readonly templates: readonly PodTemplate[];
  /** Containers of every template, init containers excluded. */
  readonly containers: readonly ContainerRef[];
  /** Replicas of the workload as a whole (the serving group for multi-group kinds). */
  readonly replicas: Replicas;
  readonly strategy: UpdateStrategy | undefined;
  /** Label selector of its pods, as written (matchLabels/matchExpressions or a plain map). */
  readonly selector: unknown;
  /** Autoscaling the kind does itself (KServe, KubeAI, BentoML, Ray worker groups, Seldon Model). */
  readonly autoscaling:
    | {
        readonly min: number | undefined;
        readonly max: number | undefined;
        readonly metric: string | undefined;
        readonly at: FieldSource;
      }
    | undefined;
  readonly traffic: readonly DeclaredTraffic[];
  readonly models: readonly ModelRef[];
  /** Batch inference (Job, CronJob, RayJob): runs to completion, serves no requests. */
  readonly batch: boolean;
  /** The kind exists to serve models (KServe, Seldon, NIM, KubeRay RayService, …). */
  readonly servesModels: boolean;
  /** Probes the controller adds to containers that have none: a TCP check, or a model-ready check. */
  readonly injectedProbes: 'none' | 'tcp' | 'model-ready';
  /** Ray Serve deployments of a RayService (serveConfigV2 parsed as YAML). */
  readonly serveDeployments: readonly RayServeDeployment[];
  /** Other objects its pods are built from (the ServingRuntime of an InferenceService). */
  readonly builtFrom: readonly K8sObject[];
  /** Parts of the object that were not read, so not checked: what and where. */
  readonly unread: readonly { readonly message: string; readonly at: FieldSource }[];
}
