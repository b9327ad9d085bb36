/**
 * Input written to trip the fast paths of the rules (test/rules-fast-paths.test.ts): values just
 * inside and just outside what the cheap scans let through, odd YAML shapes (mappings of one key
 * and no value, sequences of sequences, keys that only look like skipped ones), each in the kinds
 * the rules read.
 */
const placeholderValues = [
  '${REGISTRY}/llm:${TAG}',
  '$MODEL_ID',
  'prefix $MODEL_ID suffix',
  '$$ESCAPED',
  '\\$NOT',
  '$(VAR)',
  '$lower',
  '{{ .Values.image }}',
  '{{.Values.tag}}',
  '<your-registry>/x',
  '<PROJECT_ID>',
  '<notaplaceholder>',
  '{docker_username}/image',
  '{{docker_username}}',
  'REPLACE_WITH_TOKEN',
  'CHANGE_ME',
  'REPLACE_ME please',
  'snake_case_value',
  'under_score',
  '_',
  '$',
  '<',
  '{',
  'plain value',
  'x'.repeat(300) + '${LATE}',
  'a\\nb',
  '',
];

const quoted = (v: string) => JSON.stringify(v);

function placeholderDeployment(name: string, kind = 'Deployment', apiVersion = 'apps/v1'): string {
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata:
  name: ${name}
  labels: { app: ${name}, weird: ${quoted('$WEIRD_LABEL')} }
  annotations:
    note: ${quoted('<your-note>')}
    multi: "line one $ONE\\nline two"
spec:
  replicas: 2
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: server
          image: {docker_username}
          command: ["sh", "-c", "echo $HOME"]
          args: ["--model", "$MODEL"]
          env:
${placeholderValues.map((v, i) => `            - { name: V${i}, value: ${quoted(v)} }`).join('\n')}
          ports: [{ containerPort: 8080 }]
          script: "$NOT_READ"
          expr: "{{ not read }}"
          commands: ["$READ_HERE"]
          nested: [[${quoted('$IN_LIST')}, { deep: [${quoted('<your-deep>')}] }], [], {}]
          single: { only_key: }
          singleValue: { only_key: 1 }
          twoKeys: { a_b: , c_d: }
          upper: { ONLY_KEY: }
`;
}

/** Values around every threshold of detectSecret and the command-line scan. */
const secretValues = [
  '',
  '   ',
  'short',
  '14-characters!',
  'fifteen-chars!!',
  'xoxb-123456789',
  'xoxb-1234567890',
  'AKIAABCDEFGHIJKLMNOP',
  'hf_abcdefghijklmnopqrstuvwxyz0123',
  'ghp_' + 'a1B2'.repeat(9),
  'sk-proj-abcdefghijklmnopqrstuvwx',
  'aB3dE5gH7jK9mN1pQ3sT5vW7',
  'aB3dE5gH7jK9mN1pQ3sT5vW',
  'a@b',
  'user:pw@host',
  'postgres://user:hunter22@db/x',
  'postgres://user:$PW@db/x',
  '/ready?token=abc',
  '?',
  'x?api_key=1&y=2',
  'Bearer abcdefghijklmnopqrstuvwxyz012345',
  'curl -H "Authorization: Bearer abcdefghijklmnopqrstuvwxyz012345" http://x',
  'two words',
  'Bearer abc123',
  'token=hunter2 a',
  'changeme',
  'hunter22',
  '12345678',
  '${TOKEN}',
  '$(TOKEN)',
  '$TOKEN',
  '{{ .Values.token }}',
  'vault:secret/data/x',
  '-----BEGIN PRIVATE KEY-----\nMIIabc\n-----END PRIVATE KEY-----',
  'line one\npassword: hunter22',
];
const secretNames = ['API_KEY', 'api-key', 'TOKEN_FILE', 'HF_TOKEN', 'MODEL', 'auth', 'PUBLIC_KEY', 'x'];

function secretDeployment(name: string): string {
  const env = secretValues
    .map((v, i) => `            - { name: ${secretNames[i % secretNames.length]}, value: ${quoted(v)} }`)
    .join('\n');
  const args = secretValues.flatMap((v, i) => [
    quoted(`--${secretNames[i % secretNames.length]!.toLowerCase()}`),
    quoted(v),
    quoted(`--api-key=${v}`),
  ]);
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  annotations:
${secretValues.map((v, i) => `    example.com/${secretNames[i % secretNames.length]}-${i}: ${quoted(v)}`).join('\n')}
spec:
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata:
      labels: { app: ${name} }
      annotations: { vault.io/token: "s.abcdefghijklmnop", plain: "x", "a/b/api-key": "hunter22" }
    spec:
      initContainers:
        - name: init
          image: busybox
          command: ["sh", "-c", ${quoted(secretValues[21]!)}]
      containers:
        - name: server
          image: vllm/vllm-openai:v0.6.0
          command: [1, "--token", 2, "--password", ${quoted('hunter22')}, "-", "--"]
          args: [${args.join(', ')}]
          env:
${env}
            - { name: NUMBER, value: 123456789012345678901234 }
            - { name: FROM_SECRET, valueFrom: { secretKeyRef: { name: s, key: k } } }
          readinessProbe:
            httpGet:
              path: /ready?token=abcdef
              port: 8080
              httpHeaders:
${secretValues.map((v, i) => `                - { name: ${secretNames[i % secretNames.length]}, value: ${quoted(v)} }`).join('\n')}
          livenessProbe: { exec: { command: ["curl", ${quoted(secretValues[20]!)}, 3] } }
          startupProbe: "not a mapping"
          lifecycle:
            preStop: { exec: { command: ["sh", "-c", ${quoted(secretValues[21]!)}] } }
            postStart: { httpGet: { path: "/x?api_key=hunter22", port: 80 } }
`;
}

const secretInputs = [
  { file: 'secrets.yaml', text: secretDeployment('sec') },
  {
    file: 'monitors.yaml',
    text: `apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: sec2, labels: { app: sec2 } }
spec:
  selector: { matchLabels: { app: sec2 } }
  endpoints:
    - { port: http, bearerToken: abcdefghijklmnop, basicAuth: { username: admin, password: hunter22 } }
    - { port: http, basicAuth: "not a mapping", params: { token: [abcdefghijklmnop, 3], x: ["short", "hf_abcdefghijklmnopqrstuvwxyz0123"], y: "scalar" } }
    - "not a mapping"
---
apiVersion: monitoring.coreos.com/v1
kind: PodMonitor
metadata: { name: sec2 }
spec:
  selector: { matchLabels: { app: sec2 } }
  podMetricsEndpoints: [{ port: http, bearerToken: abcdefghijklmnop }]
---
apiVersion: v1
kind: ConfigMap
metadata: { name: sec2, labels: { app: sec2 }, annotations: { token: hunter22 } }
data:
${secretValues.map((v, i) => `  ${secretNames[i % secretNames.length]}_${i}: ${quoted(v)}`).join('\n')}
  number: 3
---
${secretDeployment('sec2')}`,
  },
  {
    file: 'values.yaml',
    text: `auth: { token: hunter22, list: [${secretValues.map(quoted).join(', ')}], nested: [[{ password: abcdefgh }]] }
API_KEY: ${quoted(secretValues[9]!)}
`,
  },
  {
    file: 'mlready.yaml',
    text: `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: sec3 }
spec:
  model:
    name: sec3
    version: 1.0.0
    uri: "s3://user:hunter22@bucket/model?token=abc"
  serving: { runtime: custom }
`,
  },
];

/** Containers that set each thing no-code-execution-risk reads, alone and together, and empty lists. */
const executionRiskInput = {
  file: 'risk.yaml',
  text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: risk }
spec:
  selector: { matchLabels: { app: risk } }
  template:
    metadata: { labels: { app: risk } }
    spec:
      hostNetwork: true
      hostPID: "true"
      initContainers:
        - { name: init, image: busybox, securityContext: { privileged: true }, command: [] }
      containers:
        - name: a
          image: vllm/vllm-openai:v0.6.0
          command: []
          args: ["--trust-remote-code", "--revision", "${'a'.repeat(40)}"]
          env: []
        - name: b
          image: vllm/vllm-openai:v0.6.0
          command: ["sh", "-c", "vllm serve m --trust_remote_code=true --api-key x"]
          env: [{ name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "True" }]
          securityContext: { capabilities: { add: [cap_sys_admin, NET_RAW, 3, "all"] } }
        - name: c
          image: vllm/vllm-openai:v0.6.0
          env:
            - { name: TRUST_REMOTE_CODE, value: "1" }
            - { name: REVISION, value: main }
            - { name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "1" }
          securityContext: "privileged"
        - name: d
          image: vllm/vllm-openai:v0.6.0
          args: "--trust-remote-code"
          env:
            - { name: VLLM_ALLOW_RUNTIME_LORA_UPDATING, value: "true" }
            - { name: VLLM_API_KEY, valueFrom: { secretKeyRef: { name: k, key: k } } }
          securityContext: { privileged: "true", capabilities: { add: "SYS_ADMIN" } }
`,
};

/** Image tags around isFloatingVariant's shortcut (digits and separators only) and its words. */
const imageTags = [
  '1.0.3',
  '2.9.0+cu121',
  '1-2_3.4+5',
  '',
  'v1.2.3',
  'latest',
  'LATEST',
  'trun\u212a',
  'main-cu121',
  'dev',
  'dev1',
  '1.0-dev',
  'nightly-2.5',
  '2.5-latest',
  'prod',
  '...',
  '-',
];

/** Limits, logger urls, secret mounts and images across kinds and namespaces. */
const mixedInputs = [
  {
    file: 'mixed.yaml',
    text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: mix, namespace: staging }
spec:
  selector: { matchLabels: { app: mix } }
  template:
    metadata: { labels: { app: mix } }
    spec:
      imagePullSecrets: [{ name: pull }]
      volumes:
        - { name: a, secret: { secretName: hf-token } }
        - { name: b, secret: { secretName: pull } }
      containers:
${imageTags
  .map(
    (tag, i) => `        - name: c${i}
          image: ${JSON.stringify(`registry.example.com/m${i}:${tag}`)}
          resources: { requests: { cpu: ${i % 3 === 0 ? 'null' : '"1"'}, memory: ${i % 4 === 0 ? '""' : '2Gi'} }, limits: { cpu: ${i % 5 === 0 ? '0' : '"1"'}${i % 2 === 0 ? ', memory: 1Gi' : ''} } }`,
  )
  .join('\n')}
        - { name: d1, image: "registry.example.com/x@sha256:${'a'.repeat(64)}" }
        - { name: d2, image: "bad::image" }
        - { name: d3, image: " " }
        - { name: d4, image: "a b" }
        - { name: d5, image: "repo:" }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: mix2, namespace: production }
spec:
  selector: { matchLabels: { app: mix2 } }
  template:
    metadata: { labels: { app: mix2 } }
    spec:
      volumes: [{ name: a, secret: { secretName: hf-token } }, { name: p, projected: { sources: [{ secret: { name: other } }] } }]
      containers: [{ name: s, image: "vllm/vllm-openai:v0.6.0", resources: { limits: { memory: 1Gi } } }]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: mix5, namespace: dev }
spec:
  selector: { matchLabels: { app: mix5 } }
  template:
    metadata: { labels: { app: mix5 } }
    spec:
      volumes: [{ name: p, projected: { sources: [{ secret: { name: other } }] } }, { name: q, secret: { secretName: third } }]
      containers: [{ name: s, image: "vllm/vllm-openai:v0.6.0", envFrom: [{ secretRef: { name: third } }] }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: mix6, namespace: production }
spec:
  selector: { matchLabels: { app: mix6 } }
  template:
    metadata: { labels: { app: mix6 } }
    spec:
      containers: [{ name: s, image: "vllm/vllm-openai:v0.6.0", env: [{ name: T, valueFrom: { secretKeyRef: { name: third, key: k } } }] }]
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: mix3 }
spec:
  predictor:
    canaryTrafficPercent: 120
    logger: { url: "HTTP://collector", mode: request }
    containers: [{ name: kserve-container, image: "kserve/huggingfaceserver:latest", resources: {} }]
  transformer:
    logger: { url: "https://collector" }
    steps: [[{ requestLogger: { url: "http://nested" } }], { logger: "http://not-a-mapping" }]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: mix7 }
spec:
  template: { spec: { containers: [{ image: "kserve/huggingfaceserver:v0.13.0" }] } }
  traffic: [{ percent: 50 }, { percent: "50" }, { percent: null }, { tag: x }, "not a mapping", { percent: .nan }]
---
apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: mix8 }
spec:
  template: { spec: { containers: [{ image: "kserve/huggingfaceserver:v0.13.0" }] } }
  traffic: [{ percent: 60.5 }, { percent: 39.5 }]
---
apiVersion: machinelearning.seldon.io/v1
kind: SeldonDeployment
metadata: { name: mix4 }
spec:
  predictors:
    - name: default
      graph: { name: model, logger: { url: "http://seldon-logger", mode: response } }
      componentSpecs: [{ spec: { containers: [{ name: model, image: "seldonio/mlserver:1.3.5" }] } }]
`,
  },
];

export const ADVERSARIAL_INPUTS: readonly { file: string; text: string }[] = [
  { file: 'deploy.yaml', text: placeholderDeployment('ph') },
  {
    file: 'configmap.yaml',
    text: `apiVersion: v1
kind: ConfigMap
metadata: { name: cm, labels: { app: ph2 }, annotations: { a: "$ANNOTATED" } }
data:
  script.sh: "echo $HOME"
  value: "\${NOT_READ}"
binaryData: { x: "$NOT_READ" }
---
${placeholderDeployment('ph2')}`,
  },
  ...secretInputs,
  executionRiskInput,
  ...mixedInputs,
  {
    file: 'values.yaml',
    text: `image: { repository: "\${REGISTRY}/x", tag: "{{ .Values.tag }}" }
list: ["<your-thing>", ["$NESTED"], { a: "{docker_username}" }]
only: { docker_username: }
command: "$NOT_READ"
`,
  },
];
