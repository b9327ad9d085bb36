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
  options: { canaryMode?: 'istio' | 'replicas' | undefined },
): Promise<PreflightResult> {
  const result: PreflightResult = { warnings: [], skip: new Set() };
  const kinds = new Map<string, KubeObject[]>();
  for (const o of objects)
    kinds.set(`${o.apiVersion} ${o.kind}`, [...(kinds.get(`${o.apiVersion} ${o.kind}`) ?? []), o]);
  for (const [key, list] of kinds) {
    const [apiVersion, kind] = key.split(' ') as [string, string];
    if (await cluster.servesKind(apiVersion, kind)) continue;
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

async function gpuWarnings(cluster: ClusterClient, deployments: readonly KubeObject[]): Promise<string[]> {
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
    const allocatable = nodes.reduce(
      (n, node) => n + (Number((node.status as Any)?.allocatable?.[resource]) || 0),
      0,
    );
    const used = pods
      .filter((p) => (p.spec as Any)?.nodeName && !['Succeeded', 'Failed'].includes((p.status as Any)?.phase))
      .reduce(
        (n, p) => n + (gpusPerPod({ ...p, spec: { template: { spec: p.spec as Any } } })?.count ?? 0),
        0,
      );
    const free = allocatable - used;
    const live = await cluster.get({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: d.metadata.namespace,
      name: d.metadata.name,
    });
    const replicas = Number((d.spec as Any)?.replicas ?? (live?.spec as Any)?.replicas ?? 1);
    const extraPods = live ? surgePods(d.spec as Any, replicas) : replicas;
    const need = extraPods * gpu!.count;
    if (need > free) {
      const surgeWord = live ? 'surge ' : '';
      const plural = extraPods === 1 ? '' : 's';
      const perPod = gpu!.count;
      const freeNow = Math.max(0, free);
      const advice = live ? ' (or lower maxSurge and raise maxUnavailable)' : '';
      warnings.push(
        `Deployment/${d.metadata.name} needs ${need} free ${resource} for its rollout (${extraPods} ${surgeWord}pod${plural} × ${perPod}), but the cluster has ${freeNow} of ${allocatable} free: new pods will stay Pending unless a cluster autoscaler adds GPU nodes${advice}`,
      );
    }
  }
  return warnings;
}
