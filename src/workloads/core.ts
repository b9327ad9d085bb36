import { asRecord, asString, getPath, isRecord, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { UpdateStrategy, Workload } from './model.js';
import { at, podTemplate, replicasAt, workload } from './pods.js';
import type { WorkloadReader } from './reader.js';

/** Kubernetes' own workload kinds and Argo Rollouts, whose pod template is at a fixed path. */
const TEMPLATE_PATHS: Record<string, YamlPath> = {
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  Job: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  Rollout: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
};

/**
 * The paths each kind's reader uses, built once (paths are read-only): spreads per object were a slow
 * iterator loop in the baseline tier, where this reader spends the first runs of a process.
 */
interface KindPaths {
  readonly spec: YamlPath;
  readonly metadata: YamlPath;
  readonly selector: YamlPath;
  readonly parallelism: YamlPath;
}
const PATHS: Record<string, KindPaths> = {};
for (const [id, template] of Object.entries(TEMPLATE_PATHS))
  PATHS[id] = {
    spec: [...template, 'spec'],
    metadata: [...template, 'metadata'],
    selector: [...template.slice(0, -1), 'selector'],
    parallelism: [...template.slice(0, -1), 'parallelism'],
  };
const REPLICAS: YamlPath = ['spec', 'replicas'];

export const coreReader: WorkloadReader = {
  ids: ['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'ReplicaSet', 'Rollout', 'StatefulSet'],
  read(object: K8sObject, info: KindInfo): Workload {
    if (info.id === 'Pod') {
      const replicas = {
        count: 1,
        min: undefined,
        max: undefined,
        defaulted: false,
        at: at(object, ['metadata', 'name']),
      };
      return workload(object, info, {
        templates: [podTemplate(object, { specPath: ['spec'], metadataPath: ['metadata'], replicas })],
        replicas,
        selector: getPath(object.raw, ['metadata', 'labels']),
      });
    }
    const paths = PATHS[info.id]!;
    const replicas =
      info.id === 'DaemonSet'
        ? { count: undefined, min: undefined, max: undefined, defaulted: false, at: at(object, ['spec']) }
        : info.id === 'Job' || info.id === 'CronJob'
          ? replicasAt(object, paths.parallelism, 1)
          : replicasAt(object, REPLICAS, 1);
    const unread: Workload['unread'][number][] = [];
    if (info.id === 'Rollout' && isRecord(getPath(object.raw, ['spec', 'workloadRef'])))
      unread.push({
        message: `${object.ref} takes its pod template from spec.workloadRef, which mlready does not follow: the referenced workload is checked on its own`,
        at: at(object, ['spec', 'workloadRef']),
      });
    return workload(object, info, {
      templates: [podTemplate(object, { specPath: paths.spec, metadataPath: paths.metadata, replicas })],
      replicas,
      strategy: strategyOf(object, info.id),
      selector: getPath(object.raw, paths.selector),
      batch: info.role === 'batch',
      unread,
    });
  },
};

function strategyOf(object: K8sObject, id: string): UpdateStrategy | undefined {
  const spec = asRecord(object.raw.spec);
  switch (id) {
    case 'Deployment': {
      if (asString(getPath(spec, ['strategy', 'type'])) === 'Recreate')
        return { type: 'recreate', at: at(object, ['spec', 'strategy']) };
      const rolling = asRecord(getPath(spec, ['strategy', 'rollingUpdate']));
      return {
        type: 'rolling',
        maxSurge: rolling.maxSurge,
        maxUnavailable: rolling.maxUnavailable,
        at: at(object, ['spec', 'strategy']),
      };
    }
    case 'StatefulSet':
      return {
        type: 'ordered',
        maxUnavailable: getPath(spec, ['updateStrategy', 'rollingUpdate', 'maxUnavailable']),
        at: at(object, ['spec', 'updateStrategy']),
      };
    case 'DaemonSet': {
      const rolling = asRecord(getPath(spec, ['updateStrategy', 'rollingUpdate']));
      return {
        type: 'rolling',
        maxSurge: rolling.maxSurge ?? 0,
        maxUnavailable: rolling.maxUnavailable ?? 1,
        at: at(object, ['spec', 'updateStrategy']),
      };
    }
    case 'Rollout': {
      const strategy = asRecord(spec.strategy);
      if (strategy.blueGreen !== undefined) {
        const delay = getPath(strategy, ['blueGreen', 'scaleDownDelaySeconds']);
        return {
          type: 'blue-green',
          scaleDownDelaySeconds: typeof delay === 'number' ? delay : 30,
          at: at(object, ['spec', 'strategy']),
        };
      }
      const canary = asRecord(strategy.canary);
      return {
        type: 'rolling',
        maxSurge: canary.maxSurge,
        maxUnavailable: canary.maxUnavailable,
        at: at(object, ['spec', 'strategy']),
      };
    }
    default:
      return undefined;
  }
}
