import { asRecord, getPath, isRecord, type K8sObject } from '../check/objects.js';
import type { KindInfo } from './kinds.js';
import type { PodTemplate, Workload } from './model.js';
import { at, podTemplate, replicasAt, workload } from './pods.js';
import type { WorkloadReader } from './reader.js';

const NAME_LABEL = 'leaderworkerset.sigs.k8s.io/name';

/**
 * A LeaderWorkerSet: `replicas` groups of `size` pods, each a leader (leaderTemplate, or the
 * worker template when there is none) and size − 1 workers; groups are replaced by the rolling
 * update in rolloutStrategy. The controller labels every pod with the set's name.
 * https://lws.sigs.k8s.io/docs/reference/leaderworkerset.v1/
 */
export const leaderWorkerSetReader: WorkloadReader = {
  ids: ['LeaderWorkerSet'],
  read(object: K8sObject, info: KindInfo): Workload {
    const base = ['spec', 'leaderWorkerTemplate'] as const;
    const replicas = replicasAt(object, ['spec', 'replicas'], 1);
    const labels = { [NAME_LABEL]: object.name };
    const templates: PodTemplate[] = [];
    const hasLeader = isRecord(getPath(object.raw, [...base, 'leaderTemplate']));
    if (hasLeader)
      templates.push(
        podTemplate(object, {
          role: 'leader',
          specPath: [...base, 'leaderTemplate', 'spec'],
          metadataPath: [...base, 'leaderTemplate', 'metadata'],
          replicas,
          controllerLabels: { ...labels, 'leaderworkerset.sigs.k8s.io/worker-index': '0' },
        }),
      );
    templates.push(
      podTemplate(object, {
        role: hasLeader ? 'worker' : 'leader and worker',
        specPath: [...base, 'workerTemplate', 'spec'],
        metadataPath: [...base, 'workerTemplate', 'metadata'],
        replicas,
        controllerLabels: labels,
        // Clients talk to the leader; workers join its group (Ray, NCCL) and serve no requests.
        internal: hasLeader,
      }),
    );
    const rolling = asRecord(getPath(object.raw, ['spec', 'rolloutStrategy', 'rollingUpdateConfiguration']));
    return workload(object, info, {
      templates,
      replicas,
      strategy: {
        type: 'rolling',
        maxSurge: rolling.maxSurge ?? 0,
        maxUnavailable: rolling.maxUnavailable ?? 1,
        at: at(object, ['spec', 'rolloutStrategy']),
      },
      selector: labels,
    });
  },
};
