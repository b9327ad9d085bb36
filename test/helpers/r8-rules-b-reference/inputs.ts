/**
 * Input for test/r8-rules-b-reference.test.ts on the paths issue 18's eighth round reshaped:
 * autoscalers naming metrics in every form (HPA Resource, Pods, External and legacy CPU, KEDA
 * triggers, AIBrix metric sources) on a GPU server, pod monitors beside a ServiceMonitor (ports by
 * name and number, none matching, selecting nothing), NetworkPolicies selecting one of several
 * workloads, a Deployment with replicas under two HPAs (one named with " and "), PrometheusRules
 * without the alerts the rules look for.
 */
const deployment = (name: string, labels: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: "${name}", labels: { app.kubernetes.io/name: fraud } }
spec:
  replicas: 3
  selector: { matchLabels: { app: "${name}" } }
  template:
    metadata: { labels: { app: "${name}", app.kubernetes.io/name: fraud${labels} } }
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
          ports: [{ name: http, containerPort: 8000 }, { containerPort: 9090 }]
          resources: { limits: { nvidia.com/gpu: 1, cpu: 2, memory: 8Gi }, requests: { cpu: 2, memory: 8Gi } }${extra}
`;

const scalers = `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: "fraud and more", labels: { app.kubernetes.io/name: fraud } }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: fraud }
  minReplicas: 2
  maxReplicas: 2
  metrics:
    - type: Resource
      resource: { name: cpu, target: { type: Utilization, averageUtilization: 70 } }
    - type: Pods
      pods: { metric: { name: http_requests_per_second }, target: { type: AverageValue, averageValue: "10" } }
    - type: External
      external: { metric: { name: vllm:num_requests_waiting } }
    - type: Weird
---
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: { name: legacy, labels: { app.kubernetes.io/name: fraud } }
spec: { scaleTargetRef: { kind: Deployment, name: fraud }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 60 }
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: keda, labels: { app.kubernetes.io/name: fraud } }
spec:
  scaleTargetRef: { name: fraud-canary }
  minReplicaCount: 0
  triggers:
    - { type: cpu, metadata: { value: "50" } }
    - { type: prometheus, metadata: { query: sum(rate(http_requests_total[1m])) } }
    - { type: prometheus, metadata: { metricName: DCGM_FI_DEV_GPU_UTIL } }
    - { type: memory }
---
apiVersion: autoscaling.aibrix.ai/v1alpha1
kind: PodAutoscaler
metadata: { name: aibrix, labels: { app.kubernetes.io/name: fraud } }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: fraud-canary }
  minReplicas: 1
  maxReplicas: 4
  metricsSources: [{ targetMetric: gpu_cache_usage_perc }, { targetMetric: "" }, {}]
`;

const monitors = `apiVersion: v1
kind: Service
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud, tier: api } }
spec: { selector: { app: fraud }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud } }
spec: { selector: { matchLabels: { tier: api } }, endpoints: [{ port: http }, { port: metrics }] }
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: { name: pods, labels: { app.kubernetes.io/name: fraud } }
spec:
  selector: { matchLabels: { app: fraud-canary } }
  podMetricsEndpoints: [{ port: http }, { port: "9090" }, { targetPort: 8000 }, { port: grpc }, { port: 7 }]
---
apiVersion: monitoring.googleapis.com/v1
kind: PodMonitoring
metadata: { name: nothing, labels: { app.kubernetes.io/name: fraud } }
spec: { selector: { matchLabels: { app: nobody } }, endpoints: [{ port: http }] }
`;

const goodPodMonitor = `apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: { name: pods, labels: { app.kubernetes.io/name: fraud } }
spec:
  selector: { matchLabels: { app: fraud-canary } }
  podMetricsEndpoints: [{ port: http }, { port: "9090" }]
---
apiVersion: monitoring.googleapis.com/v1
kind: ClusterPodMonitoring
metadata: { name: cluster, labels: { app.kubernetes.io/name: fraud } }
spec: { selector: { matchLabels: { app: fraud } }, endpoints: [{ port: 8000 }] }
---
apiVersion: v1
kind: Service
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud, tier: api } }
spec: { selector: { app: fraud }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud } }
spec: { selector: { matchLabels: { tier: api } }, endpoints: [{ port: http }] }
`;

const policies = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: canary-only, labels: { app.kubernetes.io/name: fraud } }
spec: { podSelector: { matchLabels: { app: fraud-canary } } }
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: nothing, labels: { app.kubernetes.io/name: fraud } }
spec: { podSelector: { matchExpressions: [{ key: app, operator: In, values: [other] }] } }
`;

const rules = `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud } }
spec:
  groups:
    - name: fraud
      rules:
        - record: job:latency:p95
          expr: histogram_quantile(0.95, sum(rate(vllm:e2e_request_latency_seconds_bucket[5m])) by (le))
        - alert: FraudSlow
          expr: histogram_quantile(0.95, sum(rate(vllm:e2e_request_latency_seconds_bucket[5m])) by (le)) > 2
`;

const two = deployment('fraud', '') + '---\n' + deployment('fraud-canary', ', track: canary');

/** Pod specs that spread, or only seem to: one constraint, an empty list, anti-affinity empty or not. */
const spreads = (
  ['[{ maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule }]', '[]'] as const
)
  .map((list, i) => deployment(`spread-${i}`, '', `\n      topologySpreadConstraints: ${list}`))
  .concat(
    ['{}', '{ preferredDuringSchedulingIgnoredDuringExecution: [] }'].map((anti, i) =>
      deployment(`anti-${i}`, '', `\n      affinity: { podAntiAffinity: ${anti} }`),
    ),
  )
  .join('---\n');

export const R8_INPUTS: readonly { file: string; text: string }[] = [
  { file: 'scalers.yaml', text: `${two}---\n${scalers}` },
  { file: 'monitors.yaml', text: `${two}---\n${monitors}` },
  { file: 'pod-monitors.yaml', text: `${two}---\n${goodPodMonitor}` },
  // A third workload that no working monitor reaches: its finding names the monitors, in order.
  { file: 'unscraped.yaml', text: `${two}---\n${deployment('fraud-shadow', '')}---\n${goodPodMonitor}` },
  { file: 'policies.yaml', text: `${two}---\n${policies}` },
  { file: 'rules.yaml', text: `${two}---\n${rules}` },
  { file: 'spreads.yaml', text: spreads },
  { file: 'everything.yaml', text: `${two}---\n${scalers}---\n${monitors}---\n${policies}---\n${rules}` },
];
