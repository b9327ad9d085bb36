import { ClusterError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';

type Any = Record<string, any>;

export interface PreflightResult {
  warnings: string[];
  /** "Kind/name" of objects the cluster cannot take (their CRD is not installed). */
  skip: Set<string>;
  /** Why the deploy must not go on, when it must not. */
  refusal?: string;
}

const CRD_HINTS: Record<string, string> = {
  'monitoring.coreos.com': 'the Prometheus Operator CRDs',
  'networking.istio.io': 'Istio',
  'keda.sh': 'KEDA',
  'serving.kserve.io': 'KServe',
};

/** Checks the cluster can take what will be applied: CRDs served, GPUs free for the surge. */
export async function preflight(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  /** `blueGreen`: the new version comes up at full size beside the old one (both hold GPUs at once). */
  options: { canaryMode?: 'istio' | 'replicas' | undefined; blueGreen?: boolean | undefined },
): Promise<PreflightResult> {
  const result: PreflightResult = { warnings: [], skip: new Set() };
  const kinds = new Map<string, KubeObject[]>();
  for (const o of objects)
    kinds.set(`${o.apiVersion} ${o.kind}`, [...(kinds.get(`${o.apiVersion} ${o.kind}`) ?? []), o]);
  // Discovery per API group, asked in parallel (the client caches each group's answer).
  const served = await Promise.all(
    [...kinds.keys()].map((key) => {
      const [apiVersion, kind] = key.split(' ') as [string, string];
      return cluster.servesKind(apiVersion, kind);
    }),
  );
  for (const [index, [key, list]] of [...kinds].entries()) {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    if (served[index]) continue;
    const group = apiVersion.includes('/') ? apiVersion.split('/')[0]! : '';
    const what = CRD_HINTS[group]
      ? `${CRD_HINTS[group]} (${apiVersion})`
      : `the CRD for ${kind} (${apiVersion})`;
    if (options.canaryMode === 'istio' && kind === 'VirtualService') {
      result.refusal = `the cluster does not serve VirtualService: the istio canary needs ${what} installed`;
      return result;
    }
    for (const o of list) result.skip.add(`${o.kind}/${o.metadata.name}`);
    const skippedRefs = list.map((o) => `${o.kind}/${o.metadata.name}`).join(', ');
    result.warnings.push(
      `the cluster does not serve ${kind} (${what} not installed); skipping ${skippedRefs}`,
    );
  }
  const gpu = await gpuWarnings(
    cluster,
    objects.filter((o) => o.kind === 'Deployment' && !result.skip.has(`Deployment/${o.metadata.name}`)),
    options.blueGreen === true,
  );
  result.warnings.push(...gpu);
  return result;
}

function gpusPerPod(deployment: KubeObject): { resource: string; count: number } | undefined {
  const containers = ((deployment.spec as Any)?.template?.spec?.containers ?? []) as Any[];
  let resource = '';
  let count = 0;
  for (const c of containers) {
    for (const [name, value] of Object.entries({
      ...(c.resources?.requests ?? {}),
      ...(c.resources?.limits ?? {}),
    } as Record<string, unknown>)) {
      if (/\/gpu$/.test(name)) {
        resource = name;
        count += Number(value) || 0;
      }
    }
  }
  return count > 0 ? { resource, count } : undefined;
}

function surgePods(spec: Any, replicas: number): number {
  if (spec?.strategy?.type === 'Recreate') return 0;
  const value = spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
  const m = /^(\d+)%$/.exec(String(value));
  return m ? Math.ceil((Number(m[1]) * replicas) / 100) : Number(value) || 0;
}

type NodeTerm = { matchExpressions?: { key: string; operator: string; values?: string[] }[] };

/** Whether a node's labels satisfy the pod's nodeSelector and required node affinity. */
function nodeFits(podSpec: Any, labels: Record<string, string>): boolean {
  const selector = (podSpec?.nodeSelector ?? {}) as Record<string, string>;
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const terms = (podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?.nodeSelectorTerms ?? []) as NodeTerm[];
  if (terms.length === 0) return true;
  // Terms are ORed; the expressions of one term are ANDed.
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((e) => {
      const value = labels[e.key];
      switch (e.operator) {
        case 'In':
          return value !== undefined && (e.values ?? []).includes(value);
        case 'NotIn':
          return value === undefined || !(e.values ?? []).includes(value);
        case 'Exists':
          return value !== undefined;
        case 'DoesNotExist':
          return value === undefined;
        default:
          return true;
      }
    }),
  );
}

/**
 * Whether the rollout's new pods fit on the GPU nodes, node by node: a pod's GPUs must all be on
 * one node, so free GPUs on different nodes do not add up (two nodes with 4 free GPUs each take
 * no pod that needs 8). Counts the pods already bound to each node, terminating ones included
 * (they hold their GPUs until they are gone), and only nodes the pod's nodeSelector and required
 * node affinity allow.
 */
async function gpuWarnings(
  cluster: ClusterClient,
  deployments: readonly KubeObject[],
  blueGreen: boolean,
): Promise<string[]> {
  const needs = deployments.map((d) => ({ d, gpu: gpusPerPod(d) })).filter((x) => x.gpu);
  if (needs.length === 0) return [];
  let nodes: KubeObject[];
  let pods: KubeObject[];
  try {
    nodes = await cluster.list('v1', 'Node', undefined);
    pods = await cluster.list('v1', 'Pod', undefined);
  } catch (error) {
    if (error instanceof ClusterError && (error.status === 403 || error.status === 401))
      return ['cannot list nodes and pods cluster-wide (forbidden), so free GPUs were not counted'];
    throw error;
  }
  const warnings: string[] = [];
  for (const { d, gpu } of needs) {
    const resource = gpu!.resource;
    const perPod = gpu!.count;
    const podSpec = (d.spec as Any)?.template?.spec as Any;
    const candidates = nodes.filter(
      (n) => !(n.spec as Any)?.unschedulable && nodeFits(podSpec, n.metadata.labels ?? {}),
    );
    const freeOn = candidates.map((node) => {
      const allocatable = Number((node.status as Any)?.allocatable?.[resource]) || 0;
      const used = pods
        .filter(
          (p) =>
            (p.spec as Any)?.nodeName === node.metadata.name &&
            !['Succeeded', 'Failed'].includes((p.status as Any)?.phase),
        )
        .reduce(
          (n, p) => n + (gpusPerPod({ ...p, spec: { template: { spec: p.spec as Any } } })?.count ?? 0),
          0,
        );
      return { node: node.metadata.name, allocatable, free: Math.max(0, allocatable - used) };
    });
    const live = await cluster.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: d.metadata.namespace,
      name: d.metadata.name,
    });
    const replicas = Number((d.spec as Any)?.replicas ?? (live?.spec as Any)?.replicas ?? 1);
    // Blue-green: green at full size beside blue, then the stable Deployment's own rollout while
    // green still serves (its surge on top).
    const both = blueGreen && live !== undefined;
    const extraPods = both
      ? replicas + surgePods(d.spec as Any, replicas)
      : live
        ? surgePods(d.spec as Any, replicas)
        : replicas;
    const name = `Deployment/${d.metadata.name}`;
    const largest = Math.max(0, ...freeOn.map((n) => n.allocatable));
    if (candidates.length === 0) {
      warnings.push(
        `${name}: no node matches its pods' nodeSelector and node affinity, so none can run them unless a cluster autoscaler adds a matching node`,
      );
      continue;
    }
    if (perPod > largest) {
      warnings.push(
        `${name} needs ${perPod} ${resource} per pod, but the largest matching node has ${largest}: GPUs on different nodes do not add up, so no pod can be scheduled unless a cluster autoscaler adds a bigger node`,
      );
      continue;
    }
    const fit = freeOn.reduce((n, x) => n + Math.floor(x.free / perPod), 0);
    if (extraPods > fit) {
      const totalFree = freeOn.reduce((n, x) => n + x.free, 0);
      const surgeWord = both ? '' : live ? 'surge ' : '';
      const plural = extraPods === 1 ? '' : 's';
      const perNode = freeOn.map((x) => `${x.node} ${x.free}`).join(', ');
      const advice = both
        ? ': blue-green runs both versions at once; use strategy canary or rolling on a cluster this size'
        : live
          ? ' (or lower maxSurge and raise maxUnavailable)'
          : '';
      const what = both
        ? 'blue-green release (green at full size beside blue, plus the surge of the final rollout: '
        : 'rollout (';
      warnings.push(
        `${name} needs ${extraPods * perPod} free ${resource} for its ${what}${extraPods} ${surgeWord}pod${plural} × ${perPod}), but the matching nodes have room for ${fit} such pod${fit === 1 ? '' : 's'} (${totalFree} free: ${perNode}): new pods will stay Pending unless a cluster autoscaler adds GPU nodes${advice}`,
      );
    }
  }
  return warnings;
}
