import { createHash, randomBytes } from 'node:crypto';
import type { ResourceInfo } from './resources.js';
import type { Obj, Store, Stored } from './store.js';

/** How the fake kubelet runs a pod's containers, chosen by the test per image. */
export type PodBehaviour =
  | { type: 'ready'; afterMs?: number }
  | { type: 'never-ready' }
  | { type: 'crashloop'; everyMs?: number; exitCode?: number }
  | { type: 'oom'; everyMs?: number }
  | { type: 'image-pull' }
  | { type: 'config-error'; message?: string }
  | { type: 'unschedulable'; message?: string; scaleUp?: boolean; nominatedNode?: string };

export interface ControllerHost {
  store: Store;
  info: (kind: string) => ResourceInfo;
  behaviourOf: (pod: Obj) => { behaviour: PodBehaviour; logs: string[] };
  event: (
    involved: Obj,
    reason: string,
    message: string,
    type?: 'Normal' | 'Warning',
    source?: string,
  ) => void;
  now: () => number;
  /** How long a deleted pod stays terminating before it is gone (ms). */
  podTerminationMs: number;
}

type Any = Record<string, any>;

export const REVISION = 'deployment.kubernetes.io/revision';
const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
const HASH = 'pod-template-hash';

export function templateHash(template: unknown): string {
  return createHash('sha256')
    .update(stableJson(template))
    .digest('hex')
    .slice(0, 10)
    .replace(/[0-9]/g, (d) => 'bcdfghjklm'[Number(d)]!);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Any)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value);
}

function owned(store: Store, info: ResourceInfo, owner: Obj): Stored[] {
  return store
    .list(info, owner.metadata.namespace)
    .filter((s) =>
      s.object.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid && o.controller),
    );
}

function scaled(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(typeof value === 'string' ? value : '');
  if (!m) return 0;
  const raw = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(raw) : Math.floor(raw);
}

const podReady = (pod: Obj) =>
  ((pod as Any).status?.conditions ?? []).some((c: Any) => c.type === 'Ready' && c.status === 'True');

/**
 * The controllers and kubelet of a tiny cluster, faithful to what `mlready deploy` observes:
 * the Deployment controller (ReplicaSets per template hash with revision annotations, rolling
 * update within maxSurge/maxUnavailable, status with observedGeneration and conditions, progress
 * deadline), the ReplicaSet controller, a scheduler that counts nvidia.com/gpu, and a kubelet
 * that plays each pod's scripted behaviour.
 */
export class Controllers {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly started = new Set<string>();
  private readonly progress = new Map<string, { snapshot: string; at: number }>();
  private pending = false;
  private closed = false;
  private readonly tick: NodeJS.Timeout;

  constructor(private readonly host: ControllerHost) {
    host.store.subscribe((event) => {
      if (['deployments', 'replicasets', 'pods', 'nodes'].includes(event.info.plural)) this.schedule();
    });
    this.tick = setInterval(() => this.schedule(), 50);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.tick);
    for (const t of this.timers) clearTimeout(t);
  }

  private schedule(): void {
    if (this.pending || this.closed) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      if (this.closed) return;
      this.reconcile();
    });
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private reconcile(): void {
    const { store, info } = this.host;
    for (const d of store.list(info('Deployment'))) this.syncDeployment(d.object);
    for (const rs of store.list(info('ReplicaSet'))) this.syncReplicaSet(rs.object);
    this.schedulePods();
  }

  private syncDeployment(d: Obj): void {
    const { store, info } = this.host;
    const rsInfo = info('ReplicaSet');
    const spec = (d as Any).spec as Any;
    const desired: number = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const sets = owned(store, rsInfo, d).map((s) => s.object as Any);
    const revision = (rs: Any) => Number(rs.metadata.annotations?.[REVISION] ?? 0);
    const maxRevision = Math.max(0, ...sets.map(revision));
    let newRs = sets.find((rs) => rs.metadata.labels?.[HASH] === hash);
    const copied = Object.fromEntries(
      Object.entries(d.metadata.annotations ?? {}).filter(
        ([k]) => k !== REVISION && !k.startsWith('kubectl.kubernetes.io/'),
      ),
    );
    if (!spec.paused) {
      if (!newRs) {
        const template = structuredClone(spec.template);
        template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [HASH]: hash } };
        newRs = store.put(rsInfo, {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          metadata: {
            name: `${d.metadata.name}-${hash}`,
            namespace: d.metadata.namespace,
            labels: { ...spec.template.metadata?.labels, [HASH]: hash },
            annotations: { ...copied, [REVISION]: String(maxRevision + 1) },
            ownerReferences: [
              {
                apiVersion: 'apps/v1',
                kind: 'Deployment',
                name: d.metadata.name,
                uid: d.metadata.uid!,
                controller: true,
                blockOwnerDeletion: true,
              },
            ],
            generation: 1,
          },
          spec: {
            replicas: 0,
            selector: { matchLabels: { ...spec.selector?.matchLabels, [HASH]: hash } },
            template,
          },
          status: { replicas: 0 },
        });
        // No event yet: the scale-up below says "Scaled up replica set X from 0 to N", once, as
        // the real controller does for a new ReplicaSet.
      } else if (revision(newRs) < maxRevision) {
        // A rollback: the old ReplicaSet is reused and renumbered; its former numbers are kept in
        // revision-history, as the Deployment controller does.
        const history = [newRs.metadata.annotations?.[REVISION_HISTORY], String(revision(newRs))]
          .filter(Boolean)
          .join(',');
        newRs.metadata.annotations = {
          ...newRs.metadata.annotations,
          ...copied,
          [REVISION]: String(maxRevision + 1),
          [REVISION_HISTORY]: history,
        };
        store.put(rsInfo, newRs as Obj);
      }
    }
    const olds = sets.filter((rs) => rs !== newRs && rs.metadata.name !== newRs?.metadata.name);
    const avail = (rs: Any) => this.podsOf(rs).filter(podReady).length;

    if (newRs && !spec.paused) {
      const recreate = spec.strategy?.type === 'Recreate';
      const surge = recreate ? 0 : scaled(spec.strategy?.rollingUpdate?.maxSurge ?? '25%', desired, true);
      let unavailable = recreate
        ? desired
        : scaled(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
      if (surge === 0 && unavailable === 0) unavailable = 1;
      const oldTotal = olds.reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
      const newReplicas: number = newRs.spec.replicas ?? 0;
      if (recreate) {
        if (oldTotal === 0 && olds.every((rs) => this.podsOf(rs).length === 0) && newReplicas !== desired)
          this.scale(newRs, desired, d);
      } else if (newReplicas > desired) {
        this.scale(newRs, desired, d);
      } else {
        const up = Math.min(desired + surge - (oldTotal + newReplicas), desired - newReplicas);
        if (up > 0) this.scale(newRs, newReplicas + up, d);
      }
      // Scale old ReplicaSets down: unhealthy pods first, then as far as availability allows.
      const minAvailable = desired - unavailable;
      let canRemove = olds.reduce((n, rs) => n + avail(rs), 0) + avail(newRs) - minAvailable;
      for (const rs of olds.sort((a, b) => revision(a) - revision(b))) {
        let replicas: number = rs.spec.replicas ?? 0;
        replicas -= Math.max(0, replicas - avail(rs));
        const remove = Math.max(0, Math.min(canRemove, replicas));
        replicas -= remove;
        canRemove -= remove;
        if (recreate) replicas = 0;
        if (replicas !== rs.spec.replicas) this.scale(rs, replicas, d);
      }
    }

    // Status, as the controller reports it through the status subresource.
    const pods = [...olds, ...(newRs ? [newRs] : [])].flatMap((rs) => this.podsOf(rs));
    const updated = newRs ? this.podsOf(newRs).length : 0;
    const available = pods.filter(podReady).length;
    const ready = available;
    const unavailableAllowed = scaled(spec.strategy?.rollingUpdate?.maxUnavailable ?? '25%', desired, false);
    const now = this.host.now();
    const key = `${d.metadata.namespace}/${d.metadata.name}`;
    const complete = updated === desired && pods.length === updated && available >= updated;
    const snapshot = JSON.stringify([
      newRs?.metadata.name,
      updated,
      available,
      pods.length,
      d.metadata.generation,
    ]);
    const last = this.progress.get(key);
    if (!last || last.snapshot !== snapshot) this.progress.set(key, { snapshot, at: now });
    const stalledFor = now - (this.progress.get(key)?.at ?? now);
    const old = ((d as Any).status?.conditions ?? []) as Any[];
    const oldProgressing = old.find((c) => c.type === 'Progressing');
    let progressing: Any;
    if (spec.paused)
      progressing = {
        type: 'Progressing',
        status: 'Unknown',
        reason: 'DeploymentPaused',
        message: 'Deployment is paused',
      };
    else if (complete)
      progressing = {
        type: 'Progressing',
        status: 'True',
        reason: 'NewReplicaSetAvailable',
        message: `ReplicaSet "${newRs?.metadata.name}" has successfully progressed.`,
      };
    else if (oldProgressing?.reason === 'ProgressDeadlineExceeded' && last?.snapshot === snapshot)
      progressing = oldProgressing;
    else if (stalledFor > (spec.progressDeadlineSeconds ?? 600) * 1000)
      progressing = {
        type: 'Progressing',
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: `ReplicaSet "${newRs?.metadata.name}" has timed out progressing.`,
      };
    else
      progressing = {
        type: 'Progressing',
        status: 'True',
        reason: newRs && updated === 0 ? 'NewReplicaSetCreated' : 'ReplicaSetUpdated',
        message: `ReplicaSet "${newRs?.metadata.name}" is progressing.`,
      };
    const availableCondition =
      available >= desired - unavailableAllowed
        ? {
            type: 'Available',
            status: 'True',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          }
        : {
            type: 'Available',
            status: 'False',
            reason: 'MinimumReplicasUnavailable',
            message: 'Deployment does not have minimum availability.',
          };
    const status = {
      observedGeneration: d.metadata.generation ?? 1,
      replicas: pods.length,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: available,
      unavailableReplicas: Math.max(0, pods.length - available),
      conditions: [availableCondition, progressing].map((c) => ({
        ...c,
        lastUpdateTime: new Date(now).toISOString(),
        lastTransitionTime: new Date(now).toISOString(),
      })),
    };
    const annotations = newRs
      ? { ...d.metadata.annotations, [REVISION]: newRs.metadata.annotations[REVISION] as string }
      : d.metadata.annotations;
    const comparable = (s: Any) =>
      JSON.stringify({
        ...s,
        conditions: (s?.conditions ?? []).map(
          ({ lastUpdateTime: _u, lastTransitionTime: _t, ...c }: Any) => c,
        ),
      });
    if (
      comparable((d as Any).status) !== comparable(status) ||
      JSON.stringify(annotations) !== JSON.stringify(d.metadata.annotations)
    ) {
      const next = structuredClone(d) as Any;
      next.status = status;
      if (annotations) next.metadata.annotations = annotations;
      store.put(info('Deployment'), next as Obj);
    }
  }

  private scale(rs: Any, replicas: number, d: Obj): void {
    const before: number = rs.spec.replicas ?? 0;
    rs.spec.replicas = replicas;
    rs.metadata.generation = (rs.metadata.generation ?? 1) + 1;
    this.host.store.put(this.host.info('ReplicaSet'), rs as Obj);
    this.host.event(
      d,
      'ScalingReplicaSet',
      `Scaled ${replicas > before ? 'up' : 'down'} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
      'Normal',
      'deployment-controller',
    );
  }

  /** The ReplicaSet's active pods: terminating ones no longer count, as in the ReplicaSet controller. */
  private podsOf(rs: Any): Obj[] {
    return owned(this.host.store, this.host.info('Pod'), rs as Obj)
      .map((s) => s.object)
      .filter((p) => !p.metadata.deletionTimestamp);
  }

  /**
   * Deletes a pod gracefully: it gets a deletionTimestamp, stops being ready and stays on its node
   * (holding its GPUs) for podTerminationMs, then it is gone, as when a kubelet stops it.
   */
  terminatePod(namespace: string, name: string): void {
    const { store, info } = this.host;
    const stored = store.get(info('Pod'), namespace, name);
    if (!stored || stored.object.metadata.deletionTimestamp) return;
    const pod = structuredClone(stored.object) as Any;
    pod.metadata.deletionTimestamp = new Date(this.host.now()).toISOString();
    pod.metadata.deletionGracePeriodSeconds = pod.spec?.terminationGracePeriodSeconds ?? 30;
    pod.status = {
      ...pod.status,
      conditions: ((pod.status?.conditions ?? []) as Any[]).map((c) =>
        c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False' } : c,
      ),
    };
    store.put(info('Pod'), pod as Obj);
    if (pod.spec?.nodeName) this.host.event(pod as Obj, 'Killing', 'Stopping container', 'Normal', 'kubelet');
    this.later(this.host.podTerminationMs, () => store.remove(info('Pod'), namespace, name));
  }

  private syncReplicaSet(rs: Obj): void {
    const { store, info } = this.host;
    const spec = (rs as Any).spec as Any;
    const pods = this.podsOf(rs);
    const want: number = spec.replicas ?? 0;
    for (let i = pods.length; i < want; i++) {
      const template = structuredClone(spec.template);
      store.put(info('Pod'), {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `${rs.metadata.name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
          namespace: rs.metadata.namespace,
          labels: template.metadata?.labels,
          annotations: template.metadata?.annotations,
          ownerReferences: [
            {
              apiVersion: 'apps/v1',
              kind: 'ReplicaSet',
              name: rs.metadata.name,
              uid: rs.metadata.uid!,
              controller: true,
              blockOwnerDeletion: true,
            },
          ],
        },
        spec: template.spec,
        status: { phase: 'Pending', conditions: [] },
      });
    }
    if (pods.length > want) {
      // Delete not-ready and unscheduled pods first, as the ReplicaSet controller ranks them.
      const victims = [...pods]
        .sort((a, b) => Number(podReady(a)) - Number(podReady(b)))
        .slice(0, pods.length - want);
      for (const pod of victims) this.terminatePod(pod.metadata.namespace ?? 'default', pod.metadata.name);
    }
    const current = this.podsOf(rs);
    const status = {
      replicas: current.length,
      readyReplicas: current.filter(podReady).length,
      availableReplicas: current.filter(podReady).length,
      observedGeneration: rs.metadata.generation ?? 1,
    };
    if (JSON.stringify((rs as Any).status) !== JSON.stringify(status)) {
      const next = structuredClone(rs) as Any;
      next.status = status;
      store.put(info('ReplicaSet'), next as Obj);
    }
  }

  private gpuRequest(pod: Any): number {
    return ((pod.spec?.containers ?? []) as Any[]).reduce(
      (n, c) =>
        n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? c.resources?.requests?.['nvidia.com/gpu'] ?? 0),
      0,
    );
  }

  private schedulePods(): void {
    const { store, info } = this.host;
    const nodes = store.list(info('Node')).map((s) => s.object as Any);
    const pods = store.list(info('Pod')).map((s) => s.object as Any);
    for (const pod of pods) {
      if (pod.spec.nodeName || pod.metadata.deletionTimestamp) continue;
      const { behaviour } = this.host.behaviourOf(pod as Obj);
      const need = this.gpuRequest(pod);
      const node =
        behaviour.type === 'unschedulable'
          ? undefined
          : nodes.find((n) => {
              const allocatable = Number(n.status?.allocatable?.['nvidia.com/gpu'] ?? 0);
              const used = pods
                .filter((p) => p.spec.nodeName === n.metadata.name)
                .reduce((sum, p) => sum + this.gpuRequest(p), 0);
              return allocatable - used >= need;
            });
      if (!node) {
        const message =
          behaviour.type === 'unschedulable' && behaviour.message
            ? behaviour.message
            : `0/${nodes.length} nodes are available: ${nodes.length} Insufficient nvidia.com/gpu. preemption: 0/${nodes.length} nodes are available: ${nodes.length} No preemption victims found for incoming pod.`;
        const scheduled = (pod.status.conditions as Any[]).find((c) => c.type === 'PodScheduled');
        if (scheduled?.message !== message) {
          const nominated = behaviour.type === 'unschedulable' ? behaviour.nominatedNode : undefined;
          pod.status = {
            ...pod.status,
            ...(nominated ? { nominatedNodeName: nominated } : {}),
            phase: 'Pending',
            conditions: [
              {
                type: 'PodScheduled',
                status: 'False',
                reason: 'Unschedulable',
                message,
                lastTransitionTime: new Date(this.host.now()).toISOString(),
              },
            ],
          };
          store.put(info('Pod'), pod as Obj);
          this.host.event(pod as Obj, 'FailedScheduling', message, 'Warning', 'default-scheduler');
          if (behaviour.type === 'unschedulable' && behaviour.scaleUp) {
            this.host.event(
              pod as Obj,
              'TriggeredScaleUp',
              'pod triggered scale-up: [{gpu-pool 1->2 (max: 4)}]',
              'Normal',
              'cluster-autoscaler',
            );
          }
        }
        continue;
      }
      pod.spec.nodeName = node.metadata.name;
      pod.status = { ...pod.status, conditions: [{ type: 'PodScheduled', status: 'True' }] };
      store.put(info('Pod'), pod as Obj);
      this.host.event(
        pod as Obj,
        'Scheduled',
        `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${node.metadata.name}`,
        'Normal',
        'default-scheduler',
      );
      this.runKubelet(pod.metadata.namespace as string, pod.metadata.name as string);
    }
  }

  /** Plays a scheduled pod's behaviour by updating its status over time. */
  private runKubelet(namespace: string, name: string): void {
    const key = `${namespace}/${name}`;
    if (this.started.has(key)) return;
    this.started.add(key);
    const { store, info } = this.host;
    const update = (mutate: (pod: Any) => void) => {
      const stored = store.get(info('Pod'), namespace, name);
      if (!stored || stored.object.metadata.deletionTimestamp) return false;
      const pod = structuredClone(stored.object) as Any;
      mutate(pod);
      store.put(info('Pod'), pod as Obj);
      return true;
    };
    const pod = store.get(info('Pod'), namespace, name)!.object as Any;
    const { behaviour } = this.host.behaviourOf(pod as Obj);
    const containers = (pod.spec.containers as Any[]).map((c) => c.name as string);
    const statuses = (fn: (name: string) => Any) =>
      containers.map((c) => ({
        name: c,
        image: (pod.spec.containers as Any[]).find((x) => x.name === c)?.image,
        ...fn(c),
      }));
    const conditions = (ready: boolean) => [
      { type: 'PodScheduled', status: 'True' },
      { type: 'Initialized', status: 'True' },
      { type: 'ContainersReady', status: ready ? 'True' : 'False' },
      { type: 'Ready', status: ready ? 'True' : 'False', ...(ready ? {} : { reason: 'ContainersNotReady' }) },
    ];
    const running =
      (restartCount = 0, lastState: Any = {}) =>
      (p: Any) => {
        p.status = {
          ...p.status,
          phase: 'Running',
          startTime: p.status.startTime ?? new Date().toISOString(),
          conditions: conditions(false),
          containerStatuses: statuses(() => ({
            ready: false,
            started: true,
            restartCount,
            state: { running: { startedAt: new Date().toISOString() } },
            lastState,
          })),
        };
      };
    const pulled = (ms: number) => {
      const image = (pod.spec.containers as Any[])[0]?.image as string;
      const seconds = (ms / 1000).toFixed(3);
      const current = store.get(info('Pod'), namespace, name)?.object ?? (pod as Obj);
      this.host.event(current, 'Pulling', `Pulling image "${image}"`, 'Normal', 'kubelet');
      this.host.event(
        current,
        'Pulled',
        `Successfully pulled image "${image}" in ${seconds}s (${seconds}s including waiting). Image size: 0 bytes.`,
        'Normal',
        'kubelet',
      );
    };
    switch (behaviour.type) {
      case 'ready':
        this.later(5, () => {
          pulled(4);
          update(running());
        });
        this.later(behaviour.afterMs ?? 30, () =>
          update((p) => {
            p.status = {
              ...p.status,
              phase: 'Running',
              conditions: conditions(true),
              containerStatuses: statuses(() => ({
                ready: true,
                started: true,
                restartCount: 0,
                state: { running: { startedAt: new Date().toISOString() } },
              })),
            };
          }),
        );
        break;
      case 'never-ready':
        this.later(5, () => update(running()));
        break;
      case 'crashloop':
      case 'oom': {
        const every = behaviour.everyMs ?? 20;
        const reason = behaviour.type === 'oom' ? 'OOMKilled' : 'Error';
        const exitCode = behaviour.type === 'oom' ? 137 : (behaviour.exitCode ?? 1);
        this.later(5, () => update(running()));
        let restarts = 0;
        const crash = () => {
          restarts++;
          const alive = update((p) => {
            p.status = {
              ...p.status,
              phase: 'Running',
              conditions: conditions(false),
              containerStatuses: statuses(() => ({
                ready: false,
                started: false,
                restartCount: restarts,
                state: {
                  waiting: {
                    reason: 'CrashLoopBackOff',
                    message: `back-off ${10 * 2 ** restarts}s restarting failed container`,
                  },
                },
                lastState: { terminated: { reason, exitCode } },
              })),
            };
          });
          if (alive) {
            this.host.event(
              store.get(info('Pod'), namespace, name)!.object,
              'BackOff',
              'Back-off restarting failed container',
              'Warning',
              'kubelet',
            );
            if (restarts < 6) this.later(every, crash);
          }
        };
        this.later(every, crash);
        break;
      }
      case 'image-pull':
        this.later(60, () => {
          update((p) => {
            p.status = {
              ...p.status,
              phase: 'Pending',
              conditions: conditions(false),
              containerStatuses: statuses(() => ({
                ready: false,
                started: false,
                restartCount: 0,
                state: {
                  waiting: {
                    reason: 'ErrImagePull',
                    message: `rpc error: code = NotFound desc = failed to pull and unpack image "${(pod.spec.containers as Any[])[0]?.image}": not found`,
                  },
                },
              })),
            };
          });
          this.host.event(
            store.get(info('Pod'), namespace, name)?.object ?? (pod as Obj),
            'Failed',
            `Failed to pull image "${(pod.spec.containers as Any[])[0]?.image}": not found`,
            'Warning',
            'kubelet',
          );
        });
        this.later(90, () =>
          update((p) => {
            p.status.containerStatuses = statuses(() => ({
              ready: false,
              started: false,
              restartCount: 0,
              state: {
                waiting: {
                  reason: 'ImagePullBackOff',
                  message: `Back-off pulling image "${(pod.spec.containers as Any[])[0]?.image}"`,
                },
              },
            }));
          }),
        );
        break;
      case 'config-error':
        this.later(5, () =>
          update((p) => {
            p.status = {
              ...p.status,
              phase: 'Pending',
              conditions: conditions(false),
              containerStatuses: statuses(() => ({
                ready: false,
                started: false,
                restartCount: 0,
                state: {
                  waiting: {
                    reason: 'CreateContainerConfigError',
                    message: behaviour.message ?? 'secret "hf-token" not found',
                  },
                },
              })),
            };
          }),
        );
        break;
      case 'unschedulable':
        break;
    }
  }
}
