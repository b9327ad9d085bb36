import { parseAllDocuments } from 'yaml';

/**
 * Validates Kubernetes objects against the OpenAPI schemas shipped by the kubernetes-models
 * packages (core, Prometheus Operator, KEDA, Istio). KServe publishes no such package; for an
 * InferenceService the predictor's pod fields are validated as a core PodSpec.
 */
const MODULES: Record<string, [string, string]> = {
  'apps/v1 Deployment': ['kubernetes-models/apps/v1/Deployment', 'Deployment'],
  'v1 Service': ['kubernetes-models/v1/Service', 'Service'],
  'batch/v1 CronJob': ['kubernetes-models/batch/v1/CronJob', 'CronJob'],
  'autoscaling/v2 HorizontalPodAutoscaler': [
    'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler',
    'HorizontalPodAutoscaler',
  ],
  'policy/v1 PodDisruptionBudget': ['kubernetes-models/policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  'networking.k8s.io/v1 NetworkPolicy': [
    'kubernetes-models/networking.k8s.io/v1/NetworkPolicy',
    'NetworkPolicy',
  ],
  'monitoring.coreos.com/v1 ServiceMonitor': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor',
    'ServiceMonitor',
  ],
  'monitoring.coreos.com/v1 PodMonitor': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PodMonitor',
    'PodMonitor',
  ],
  'monitoring.coreos.com/v1 PrometheusRule': [
    '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule',
    'PrometheusRule',
  ],
  'keda.sh/v1alpha1 ScaledObject': ['@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject', 'ScaledObject'],
  'networking.istio.io/v1beta1 VirtualService': [
    '@kubernetes-models/istio/networking.istio.io/v1beta1/VirtualService',
    'VirtualService',
  ],
  'networking.istio.io/v1beta1 DestinationRule': [
    '@kubernetes-models/istio/networking.istio.io/v1beta1/DestinationRule',
    'DestinationRule',
  ],
};

type Validatable = { validate(): void };

export async function validateKubernetesYaml(text: string): Promise<{ kind: string; error?: string }[]> {
  const out: { kind: string; error?: string }[] = [];
  for (const doc of parseAllDocuments(text) as unknown as { toJS(): Record<string, unknown> }[]) {
    const object = doc.toJS();
    const key = `${String(object.apiVersion)} ${String(object.kind)}`;
    if (object.kind === 'InferenceService') {
      out.push({ kind: key, error: await validatePredictor(object) });
      continue;
    }
    const entry = MODULES[key];
    if (!entry) {
      out.push({ kind: key, error: `no schema known for ${key}` });
      continue;
    }
    const module = (await import(entry[0])) as Record<string, new (data: unknown) => Validatable>;
    out.push({ kind: key, error: attempt(() => new module[entry[1]]!(object).validate()) });
  }
  return out;
}

async function validatePredictor(isvc: Record<string, unknown>): Promise<string | undefined> {
  const predictor = (isvc.spec as { predictor: Record<string, unknown> }).predictor;
  const podFields = ['containers', 'volumes', 'securityContext', 'terminationGracePeriodSeconds'];
  const podSpec = Object.fromEntries(Object.entries(predictor).filter(([k]) => podFields.includes(k)));
  const { Pod } = (await import('kubernetes-models/v1/Pod')) as { Pod: new (data: unknown) => Validatable };
  return attempt(() => new Pod({ metadata: { name: 'predictor' }, spec: podSpec }).validate());
}

function attempt(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
