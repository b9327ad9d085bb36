/** The kinds the fake API server serves, as discovery (/api/v1, /apis/{group}/{version}) reports them. */

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Has a status subresource: writes to the main resource leave status alone. */
  status: boolean;
  /** Served by a CustomResourceDefinition without list types: its lists are atomic. */
  crd: boolean;
}

const r = (
  group: string,
  version: string,
  kind: string,
  plural: string,
  namespaced = true,
  status = false,
  crd = false,
): ResourceInfo => ({ group, version, kind, plural, namespaced, status, crd });

export const BUILT_IN: ResourceInfo[] = [
  r('', 'v1', 'Namespace', 'namespaces', false, true),
  r('', 'v1', 'Node', 'nodes', false, true),
  r('', 'v1', 'Pod', 'pods', true, true),
  r('', 'v1', 'Service', 'services', true, true),
  r('', 'v1', 'ConfigMap', 'configmaps'),
  r('', 'v1', 'Secret', 'secrets'),
  r('', 'v1', 'ServiceAccount', 'serviceaccounts'),
  r('', 'v1', 'Event', 'events'),
  r('', 'v1', 'PersistentVolumeClaim', 'persistentvolumeclaims', true, true),
  r('apps', 'v1', 'Deployment', 'deployments', true, true),
  r('apps', 'v1', 'ReplicaSet', 'replicasets', true, true),
  r('apps', 'v1', 'StatefulSet', 'statefulsets', true, true),
  r('autoscaling', 'v2', 'HorizontalPodAutoscaler', 'horizontalpodautoscalers', true, true),
  r('policy', 'v1', 'PodDisruptionBudget', 'poddisruptionbudgets', true, true),
  r('networking.k8s.io', 'v1', 'NetworkPolicy', 'networkpolicies'),
  r('batch', 'v1', 'CronJob', 'cronjobs', true, true),
  r('batch', 'v1', 'Job', 'jobs', true, true),
  r('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'customresourcedefinitions', false, true),
];

/** CRDs a test can install, by short name. */
export const CRDS: Record<string, ResourceInfo[]> = {
  'prometheus-operator': [
    r('monitoring.coreos.com', 'v1', 'ServiceMonitor', 'servicemonitors', true, false, true),
    r('monitoring.coreos.com', 'v1', 'PodMonitor', 'podmonitors', true, false, true),
    r('monitoring.coreos.com', 'v1', 'PrometheusRule', 'prometheusrules', true, false, true),
  ],
  istio: [
    r('networking.istio.io', 'v1beta1', 'VirtualService', 'virtualservices', true, false, true),
    r('networking.istio.io', 'v1beta1', 'DestinationRule', 'destinationrules', true, false, true),
    r('networking.istio.io', 'v1', 'VirtualService', 'virtualservices', true, false, true),
    r('networking.istio.io', 'v1', 'DestinationRule', 'destinationrules', true, false, true),
  ],
  keda: [r('keda.sh', 'v1alpha1', 'ScaledObject', 'scaledobjects', true, true, true)],
  kserve: [r('serving.kserve.io', 'v1beta1', 'InferenceService', 'inferenceservices', true, true, true)],
};

export function groupVersion(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
