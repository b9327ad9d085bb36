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
  {
    file: 'values.yaml',
    text: `image: { repository: "\${REGISTRY}/x", tag: "{{ .Values.tag }}" }
list: ["<your-thing>", ["$NESTED"], { a: "{docker_username}" }]
only: { docker_username: }
command: "$NOT_READ"
`,
  },
];
