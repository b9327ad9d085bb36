/**
 * Input for test/r6-rules-b-reference.test.ts that exercises the paths round 6 reshaped: monitors
 * that select no Service, several Services, a port named by one of several Services, scrape
 * annotations on pods and on Services, pod monitors; version labels that agree, disagree or are
 * missing; readiness paths with queries and trailing slashes; model references in ConfigMaps.
 */
const deployment = (name: string, labels: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name}${labels} }${extra} }
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
          envFrom: [{ configMapRef: { name: ${name}-config } }]
          ports: [{ name: http, containerPort: 8000 }, { name: metrics, containerPort: 9090 }]
          readinessProbe: { httpGet: { path: /health/?x=1, port: http } }
`;
const service = (name: string, ports: string, annotations = '') => `apiVersion: v1
kind: Service
metadata: { name: ${name}-svc${annotations} }
spec: { selector: { app: ${name} }, ports: [${ports}] }
`;

export const R6_INPUTS: readonly { file: string; text: string }[] = [
  {
    file: 'scrape-ports.yaml',
    text: [
      deployment('a', ', app.kubernetes.io/version: "2"'),
      service('a', '{ name: http, port: 80 }, { name: "", port: 81 }'),
      service('a-extra', '{ name: metrics, port: 9090 }, { name: http, port: 80 }'),
      `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: a }
spec: { selector: { matchLabels: { app: a } }, endpoints: [{ port: metrics }, { port: "" }, { port: grpc }, {}] }
`,
      `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: none }
spec: { selector: { matchLabels: { app: nothing } }, endpoints: [{ port: http }] }
`,
    ].join('---\n'),
  },
  {
    file: 'scrape-annotated.yaml',
    text: [
      deployment('b', ', mlready.dev/model-version: "1", app.kubernetes.io/version: "2"'),
      deployment('c', '', ', annotations: { prometheus.io/scrape: "true" }'),
      deployment('d', ', mlready.dev/model-version: "3"'),
      service('d', '{ name: http, port: 80 }', ', annotations: { prometheus.io/scrape: "true" }'),
      `apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: { name: b }
spec: { selector: { matchLabels: { app: b } }, podMetricsEndpoints: [{ port: metrics }, { port: "8000" }] }
`,
      `apiVersion: v1
kind: ConfigMap
metadata: { name: b-config }
data: { MODEL_ID: "meta-llama/Llama-3.1-8B-Instruct", MODEL_URI: "s3://models/x/latest" }
`,
      `apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: b }
spec:
  groups:
    - name: b
      rules:
        - alert: Drift
          expr: model_data_drift_score > 0.3
        - record: latency
          expr: histogram_quantile(0.95, vllm:e2e_request_latency_seconds_bucket)
`,
    ].join('---\n'),
  },
  {
    file: 'mlready.yaml',
    text: `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: e }
spec:
  model: { name: e, version: "2", uri: "s3://models/e/latest" }
  serving: { runtime: custom, health: { ready: /ready/ } }
  monitoring: { drift: { method: psi } }
---
${deployment('e', ', mlready.dev/model-version: "1", app.kubernetes.io/version: "2"')}---
${deployment('f', ', app.kubernetes.io/version: "3"')}---
${deployment('g', ', app.kubernetes.io/version: "2"')}`,
  },
];
