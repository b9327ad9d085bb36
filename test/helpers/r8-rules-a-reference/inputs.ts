/**
 * Input for test/r8-rules-a-reference.test.ts on the paths issue 18's eighth round reshaped: secrets
 * reused across namespaces and directories through every kind of reference (volumes, projected
 * volumes, env, envFrom, init containers, numeric and empty names, pull secrets), host namespaces,
 * remote code, exposed and unexposed Services, Ingresses and gateway routes, multi-process servers,
 * model references of every form, command lines, probes and hooks holding credentials, and ignores.
 */
const secretPod = (name: string, namespace: string, spec: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${namespace} }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
${spec}
`;

const server = (name: string, container: string, extra = '', kind = 'Deployment') => `apiVersion: apps/v1
kind: ${kind}
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name}, app.kubernetes.io/name: ${name} } }
    spec:${extra}
      containers:
        - name: server
${container}
`;

const svc = (
  name: string,
  type: string,
  ports = '[{ name: http, port: 80, targetPort: 8000 }]',
) => `apiVersion: v1
kind: Service
metadata: { name: ${name}-svc, labels: { app.kubernetes.io/name: ${name} } }
spec: { type: ${type}, selector: { app: ${name} }, ports: ${ports} }
`;

export const R8_INPUTS: readonly { file: string; text: string }[] = [
  {
    // One secret name in three namespaces, through each kind of reference; a pull secret that is
    // dropped; names that are numbers or empty; the same name twice in one workload.
    file: 'secrets-reused.yaml',
    text: [
      secretPod(
        'a',
        'staging',
        `      imagePullSecrets: [{ name: regcred }, "odd", { name: 5 }]
      volumes:
        - { name: v1, secret: { secretName: hf-token } }
        - { name: v2, secret: { secretName: "" } }
        - { name: v3, projected: { sources: [{ secret: { name: db } }, { configMap: { name: hf-token } }, "x", { secret: { name: 42 } }] } }
        - { name: v4, configMap: { name: db } }
        - "not a volume"
      initContainers:
        - name: init
          image: busybox:1.36
          env: [{ name: T, valueFrom: { secretKeyRef: { name: init-secret, key: t } } }]
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          env:
            - { name: A, valueFrom: { secretKeyRef: { name: hf-token, key: t } } }
            - { name: B, valueFrom: { secretKeyRef: { name: regcred, key: t } } }
            - { name: C, valueFrom: { configMapKeyRef: { name: api, key: t } } }
            - { name: D, valueFrom: { secretKeyRef: { name: 7, key: t } } }
            - "not an env entry"
          envFrom: [{ secretRef: { name: api } }, { configMapRef: { name: api } }, { secretRef: {} }]`,
      ),
      secretPod(
        'b',
        'prod',
        `      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          envFrom: [{ secretRef: { name: api } }, { secretRef: { name: hf-token } }]
          env: [{ name: D, valueFrom: { secretKeyRef: { name: 7, key: t } } }]
      initContainers:
        - name: init
          image: busybox:1.36
          env: [{ name: T, valueFrom: { secretKeyRef: { name: init-secret, key: t } } }]
      volumes: [{ name: v, projected: { sources: [{ secret: { name: db } }, { secret: { name: 42 } }] } }]`,
      ),
      secretPod(
        'c',
        'dev',
        `      imagePullSecrets: [{ name: hf-token }]
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.3
          env: [{ name: A, valueFrom: { secretKeyRef: { name: hf-token, key: t } } }]
          volumeMounts: [{ name: v, mountPath: /s }]
      volumes: [{ name: v, secret: { secretName: db } }]`,
      ),
    ].join('---\n'),
  },
  {
    // Host namespaces one by one and together; trust-remote-code pinned and not; runtime LoRA.
    file: 'host-and-code.yaml',
    text: [
      server(
        'hosty',
        `          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "org/m", "--trust-remote-code", "--revision", "0123456789abcdef0123456789abcdef01234567"]`,
        '\n      hostNetwork: true\n      hostPID: true\n      hostIPC: "true"',
      ),
      server(
        'ipc',
        `          image: vllm/vllm-openai:v0.6.3
          command: ["python", "-m", "vllm", "--trust_remote_code=true"]
          env: [{ name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "True" }]
          securityContext: { privileged: true, capabilities: { add: [cap_sys_admin, NET_RAW] } }`,
        '\n      hostIPC: true',
      ),
      server('pid', `          image: vllm/vllm-openai:v0.6.3`, '\n      hostPID: true'),
      server(
        'lora',
        `          image: vllm/vllm-openai:v0.6.3
          args: ["--api-key", "x"]
          env: [{ name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "1" }, { name: TRUST_REMOTE_CODE, value: "true" }]`,
      ),
    ].join('---\n'),
  },
  {
    // Exposed Services (with admin ports), ClusterIP ones, an Ingress, routes on gateways.
    file: 'exposed.yaml',
    text: [
      server(
        'ts',
        `          image: pytorch/torchserve:0.11.0
          ports: [{ containerPort: 8080 }, { containerPort: 8081 }]`,
      ),
      svc(
        'ts',
        'LoadBalancer',
        '[{ name: http, port: 80, targetPort: 8080 }, { name: management, port: 8081 }]',
      ),
      svc('ts-np', 'NodePort'),
      svc('ts-ci', 'ClusterIP'),
      `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: ts, labels: { app.kubernetes.io/name: ts } }
spec:
  rules: [{ http: { paths: [{ path: /, pathType: Prefix, backend: { service: { name: ts-svc, port: { number: 8081 } } } }] } }]
`,
    ].join('---\n'),
  },
  {
    file: 'routes.yaml',
    text: [
      server('rt', `          image: vllm/vllm-openai:v0.6.3`),
      svc('rt', 'ClusterIP'),
      `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: rt, labels: { app.kubernetes.io/name: rt } }
spec:
  hosts: ["*"]
  gateways: [public]
  http: [{ match: [{ uri: { prefix: /metrics } }], route: [{ destination: { host: rt-svc, port: { number: 80 } } }] }]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: rt, labels: { app.kubernetes.io/name: rt } }
spec:
  parentRefs: [{ name: gw }]
  rules: [{ matches: [{ path: { value: /admin } }], backendRefs: [{ name: rt-svc, port: 80 }] }]
`,
    ].join('---\n'),
  },
  {
    // Multi-process servers: vLLM tensor parallel, TGI shards, Triton and TorchServe on GPUs.
    file: 'shm.yaml',
    text: [
      server(
        'vl',
        `          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "org/m", "--tensor-parallel-size=2"]
          resources: { limits: { nvidia.com/gpu: 2 } }`,
      ),
      server(
        'tgi',
        `          image: ghcr.io/huggingface/text-generation-inference:2.0
          env: [{ name: NUM_SHARD, value: "2" }]
          resources: { limits: { nvidia.com/gpu: 2 } }`,
      ),
      server(
        'tr',
        `          image: nvcr.io/nvidia/tritonserver:24.01-py3
          resources: { limits: { nvidia.com/gpu: 1 } }
          volumeMounts: [{ name: shm, mountPath: /dev/shm }]`,
        '\n      volumes: [{ name: shm, emptyDir: { medium: Memory } }]',
      ),
      server(
        'tsg',
        `          image: pytorch/torchserve:0.11.0-gpu
          env: [{ name: TS_DEFAULT_WORKERS_PER_MODEL, value: "1" }]
          resources: { limits: { nvidia.com/gpu: 1 } }`,
      ),
    ].join('---\n'),
  },
  {
    // Model references: every store scheme, moving and versioned segments, extensions, OCI, hf://.
    file: 'model-uris.yaml',
    text: [
      ...[
        'gs://models/fraud/1.0.3',
        'gs://models/fraud/latest/model.bin',
        's3://bucket/fraud/',
        's3://bucket//fraud//v3//',
        'pvc://claim/models/Stable/x',
        'https://host:8443/models/fraud-v2.onnx',
        'https://host/models/fraud.onnx',
        'file:///models/a@b:c/PROD',
        'oci://registry/model:1.0',
        'oci://registry/model',
        'oci://registry:5000/model:latest',
        'hf://org/model',
        'hf://org/model@0123abc',
        ' gs://models/x/2024-06-01 ',
        'S3://bucket/x',
        '/mnt/models/fraud',
      ].map(
        (uri, i) => `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: isvc-${i} }
spec: { predictor: { model: { modelFormat: { name: sklearn }, storageUri: "${uri}" } } }
`,
      ),
      server(
        'llm',
        `          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "meta-llama/Llama-3.1-8B-Instruct", "--enable-lora", "--lora-modules", "a=org/adapter"]
          env: [{ name: MODEL_ID, value: "org/model:latest" }]`,
      ),
    ].join('---\n'),
  },
  {
    // Credentials in command lines, flags, probes (headers, paths, exec) and lifecycle hooks.
    file: 'literal-secrets.yaml',
    text: [
      server(
        'sec',
        `          image: vllm/vllm-openai:v0.6.3
          command: ["sh", "-c", "curl -H 'Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345' http://x"]
          args: ["--api-key", "sk-abcdefghijklmnopqrstuvwxyz0123456789ABCD", "--hf-token=hf_abcdefghijklmnopqrstuvwxyz0123456789", 5, "--password"]
          env: [{ name: DB_PASSWORD, value: "hunter2hunter2" }]
          readinessProbe: { httpGet: { path: "/ready?api_key=abcdef0123456789abcdef", httpHeaders: [{ name: Authorization, value: "Bearer abcdefghijklmnopqrstuvwxyz012345" }] } }
          livenessProbe: { exec: { command: ["curl", "-u", "admin:hunter2hunter2", "http://localhost"] } }
          startupProbe: { httpGet: { path: /health } }
          lifecycle:
            postStart: { exec: { command: ["sh", "-c", "export TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789"] } }
            preStop: { httpGet: { path: "/stop?token=abcdef0123456789abcdef" } }`,
      )
        .replace(
          '    metadata: { labels: { app: sec,',
          '    metadata: { annotations: { example.com/api-token: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" }, labels: { app: sec,',
        )
        .replace(
          'metadata: { name: sec,',
          'metadata: { annotations: { note: "curl -u admin:hunter2hunter2 http://x" }, name: sec,',
        ),
    ].join('---\n'),
  },
  {
    // Shutdown: two serving containers in one template (one with a preStop hook), a template no
    // Service selects, a grace period below the manifest's longest request.
    file: 'shutdown.yaml',
    text: [
      server(
        'two',
        `          image: vllm/vllm-openai:v0.6.3
        - name: sidecar
          image: vllm/vllm-openai:v0.6.3
          lifecycle: { preStop: { sleep: { seconds: 10 } } }
        - name: third
          image: vllm/vllm-openai:v0.6.3`,
        '\n      terminationGracePeriodSeconds: 20',
      ),
      svc('two', 'ClusterIP'),
      server('alone', `          image: vllm/vllm-openai:v0.6.3`, '', 'StatefulSet'),
      `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: two }
spec:
  model: { name: two, uri: "gs://models/two/latest" }
  serving: { runtime: vllm, port: 8000, maxRequestSeconds: 90 }
`,
    ].join('---\n'),
  },
  {
    // Traffic splits of every kind in one service: each kind is read by a function of its own.
    file: 'traffic.yaml',
    text: [
      server('tv', `          image: vllm/vllm-openai:v0.6.3`).replace(
        'labels: { app: tv,',
        'labels: { version: v1, app: tv,',
      ),
      `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: { name: tv, labels: { app.kubernetes.io/name: tv } }
spec:
  hosts: [tv]
  http:
    - route: [{ destination: { host: tv, subset: v1 }, weight: -1 }, { destination: { host: tv, subset: v9 } }]
    - route: [{ destination: { host: tv, subset: v2 }, weight: 0 }, { destination: { host: tv, subset: none }, weight: 0 }]
    - route: [{ destination: { host: tv, subset: v1 }, weight: "x" }]
---
apiVersion: networking.istio.io/v1beta1
kind: DestinationRule
metadata: { name: tv, labels: { app.kubernetes.io/name: tv } }
spec: { host: tv, subsets: [{ name: v1, labels: { version: v1 } }, { name: v2, labels: { version: v2 } }, { name: v9 }] }
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: { name: tv, labels: { app.kubernetes.io/name: tv } }
spec:
  rules:
    - backendRefs: [{ name: a, weight: 0 }, { name: b, weight: 0 }]
    - backendRefs: [{ name: a, weight: -5 }]
---
apiVersion: mlops.seldon.io/v1alpha1
kind: Experiment
metadata: { name: tv, labels: { app.kubernetes.io/name: tv } }
spec: { candidates: [{ name: a, weight: 0 }, { name: b, weight: 0 }] }
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: tv-kn, labels: { app.kubernetes.io/name: tv } }
spec:
  template: { spec: { containers: [{ image: vllm/vllm-openai:v0.6.3 }] } }
  traffic: [{ percent: 50 }, { percent: "20" }, { latestRevision: true }]
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: tv-isvc, labels: { app.kubernetes.io/name: tv } }
spec: { predictor: { canaryTrafficPercent: 150, model: { modelFormat: { name: sklearn }, storageUri: "gs://m/1" } } }
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: { name: tv-ro, labels: { app.kubernetes.io/name: tv } }
spec:
  selector: { matchLabels: { app: tv-ro } }
  template: { metadata: { labels: { app: tv-ro } }, spec: { containers: [{ name: s, image: vllm/vllm-openai:v0.6.3 }] } }
  strategy: { canary: { steps: [{ setWeight: 50 }, { setWeight: 20, pause: {} }, { setWeight: 120 }] } }
`,
    ].join('---\n'),
  },
  {
    // Ignores with and without a reason.
    file: 'ignores.yaml',
    text: [
      server('ign', `          image: vllm/vllm-openai:v0.6.3`).replace(
        'metadata: { name: ign,',
        'metadata: { annotations: { mlready.dev/ignore: "pod-security-context" }, name: ign,',
      ),
      svc('ign', 'ClusterIP').replace(
        'metadata: {',
        'metadata: { annotations: { mlready.dev/ignore: "x", mlready.dev/ignore-reason: "  " },',
      ),
    ].join('---\n'),
  },
];
