/**
 * Input for test/r7-rules-a-reference.test.ts on the paths issue 18's seventh round reshaped:
 * several autoscalers in one service, some targeting the workload and some not, numeric and
 * missing target names and kinds, a scaleTargetRef that is a list, KEDA and AIBrix scalers, PDBs
 * that select some workloads, Ray Serve deployments asking for GPUs.
 */
const deployment = (name: string, kind = 'Deployment', replicas = '', extra = '') => `apiVersion: apps/v1
kind: ${kind}
metadata: { name: "${name}", labels: { app.kubernetes.io/name: fraud } }
spec:
  ${replicas}selector: { matchLabels: { app: "${name}" } }
  template:
    metadata: { labels: { app: "${name}", app.kubernetes.io/name: fraud } }
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct"]
          resources: { limits: { nvidia.com/gpu: 1, cpu: 2, memory: 8Gi }, requests: { cpu: 2, memory: 8Gi } }${extra}
`;
const hpa = (
  name: string,
  target: string,
  bounds = 'minReplicas: 1, maxReplicas: 1',
) => `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}, labels: { app.kubernetes.io/name: fraud } }
spec: { scaleTargetRef: ${target}, ${bounds} }
`;

export const R7_INPUTS: readonly { file: string; text: string }[] = [
  {
    // A few autoscalers (searched in place), only some targeting each workload.
    file: 'scalers-few.yaml',
    text: [
      deployment('fraud', 'Deployment', 'replicas: 3\n  '),
      deployment('fraud-canary'),
      hpa('a', '{ kind: Deployment, name: fraud }'),
      hpa('b', '{ name: fraud }', 'minReplicas: 2, maxReplicas: 6'),
      hpa('c', '{ kind: Deployment, name: fraud-canary }', 'minReplicas: 0, maxReplicas: 2'),
    ].join('---\n'),
  },
  {
    file: 'scalers-several.yaml',
    text: [
      deployment('fraud', 'Deployment', 'replicas: 3\n  '),
      deployment('fraud-canary'),
      deployment('123', 'StatefulSet', 'replicas: 1\n  '),
      hpa('a', '{ kind: Deployment, name: fraud }'),
      hpa('b', '{ name: fraud }', 'minReplicas: 2, maxReplicas: 6'),
      hpa('c', '{ kind: Deployment, name: fraud-canary }', 'minReplicas: 0, maxReplicas: 2'),
      hpa('d', '{ kind: StatefulSet, name: 123 }'),
      hpa('e', '{ kind: Deployment, name: missing }'),
      hpa('f', '[{ kind: Deployment, name: fraud }]'),
      hpa('g', '{ kind: 5, name: fraud }'),
      hpa('h', '{ kind: Deployment }'),
      // More than support/scaling's SEARCHED_IN_PLACE (8) autoscalers: the index by target. A kind
      // with a "/" must not reach a workload whose name continues it.
      deployment('fraud/canary'),
      hpa('i', '{ kind: "Deployment/fraud", name: canary }'),
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: k, labels: { app.kubernetes.io/name: fraud } }
spec: { scaleTargetRef: { name: fraud-canary }, minReplicaCount: 0, maxReplicaCount: 1, triggers: [] }
`,
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: fraud, labels: { app.kubernetes.io/name: fraud } }
spec: { minAvailable: 0, selector: { matchLabels: { app: fraud } } }
`,
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: nothing, labels: { app.kubernetes.io/name: fraud } }
spec: { maxUnavailable: "100%", selector: { matchLabels: { app: nobody } } }
`,
    ].join('---\n'),
  },
  {
    file: 'scalers-keda-only.yaml',
    text: [
      deployment('solo', 'Deployment', 'replicas: 1\n  ', '\n      affinity: { podAntiAffinity: {} }'),
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: solo, labels: { app.kubernetes.io/name: fraud } }
spec: { scaleTargetRef: { name: solo }, minReplicaCount: 1, maxReplicaCount: 1, triggers: [] }
`,
      `apiVersion: autoscaling.aibrix.ai/v1alpha1
kind: PodAutoscaler
metadata: { name: solo-pa, labels: { app.kubernetes.io/name: fraud } }
spec: { scaleTargetRef: { kind: Deployment, name: solo }, minReplicas: 3, maxReplicas: 2 }
`,
    ].join('---\n'),
  },
  {
    file: 'pdb-over-a-job.yaml',
    text: [
      deployment('server'),
      `apiVersion: batch/v1
kind: Job
metadata: { name: warmup, labels: { app.kubernetes.io/name: fraud } }
spec:
  template:
    metadata: { labels: { app: warmup, app.kubernetes.io/name: fraud } }
    spec: { restartPolicy: Never, containers: [{ name: warm, image: "busybox:1.36" }] }
`,
      `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: warmup, labels: { app.kubernetes.io/name: fraud } }
spec: { minAvailable: 1, selector: { matchLabels: { app: warmup } } }
`,
    ].join('---\n'),
  },
  {
    file: 'helm-and-manifest.yaml',
    text: `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: fraud }
spec: { model: { name: fraud, version: "1" } }
---
${deployment('fraud', 'Deployment', 'replicas: 2\n  bogus: 1\n  ')}`,
  },
];
