import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCheck } from '../src/check/run-check.js';
import type { CheckResult } from '../src/check/result.js';
import { floatingReason, invalidImageReason } from '../src/check/image.js';
import { RULES } from '../src/rules/index.js';
import type { Rule, RuleContext } from '../src/rules/rule.js';
import { runtimeOf } from '../src/rules/support/runtimes.js';
import { ADVERSARIAL_INPUTS } from './helpers/rules-adversarial.js';
import { R6_INPUTS } from './helpers/r6-rules-b-adversarial.js';
import * as reference from './helpers/r7-rules-b-reference.js';

/**
 * Rules and helpers reshaped for speed in issue 18's seventh round must answer exactly what they
 * answered on main (9624913): each rule runs beside its copy from main (test/helpers/r7-rules-b-reference.ts)
 * on every fixture and example of the repository and on adversarial input, and the findings must agree.
 */
const REFERENCES: readonly (readonly [string, Pick<Rule, 'check'>])[] = [
  ['no-unrendered-placeholder', reference.noUnrenderedPlaceholder],
  ['pod-security-context', reference.podSecurityContext],
  ['autoscale-on-ml-metric', reference.autoscaleOnMlMetric],
];

/** What the reshaped paths branch on: null values (format fields), runtime-text keys, ConfigMap metadata. */
const R7_INPUTS: readonly { file: string; text: string }[] = [
  {
    file: 'placeholders.yaml',
    text: `apiVersion: apps/v1
kind: Deployment
metadata: { name: "\${NAME}", labels: { app: x, command: "$APP" } }
spec:
  selector: { matchLabels: { app: x } }
  template:
    metadata: { labels: { app: x }, annotations: { a: {docker_username}, b: { c_d: null, e: 1 }, f: null } }
    spec:
      containers:
        - name: server
          image: {docker_username}
          command: ["sh", "-c", "echo $HOME {a_b}"]
          args: { script: "$X" }
          env:
            - { name: A, value: "<your-token>" }
            - { name: B, value: null }
            - { name: C, value: "{{ .Values.x }}" }
            - { name: expr, value: "$NOT_SKIPPED" }
          script: "\${SKIPPED}"
          expr: [ "$SKIPPED" ]
          securityContext: { runAsNonRoot: true, readOnlyRootFilesystem: true }
        - name: side
          image: registry.example.com/side:1.0
          securityContext: { allowPrivilegeEscalation: false }
        - name: third
          image: nvcr.io/nvidia/tritonserver:24.01-py3
      securityContext: { runAsNonRoot: true }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: "$CM", labels: { x_y: null } }
data: { run.sh: "echo $HOME", value: "\${X}", metadata: "$Y" }
---
apiVersion: v1
kind: ConfigMap
metadata: null
---
apiVersion: v1
kind: Service
metadata: { name: svc }
spec: { selector: { app: x }, ports: [{ name: "<your-port>", port: 80 }], x: [[ "$A", [ null, { b_c: null } ] ]] }
`,
  },
  {
    // One service, two model servers: the first custom, the second Triton (runtimeOf's fallback loop).
    file: 'two-servers.yaml',
    text: ['pair-a', 'pair-b']
      .map(
        (name, i) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { app.kubernetes.io/name: pair } }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: pair, part: ${name} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: pair, part: ${name} } }
    spec:
      containers:
        - name: server
          image: ${i === 0 ? 'registry.example.com/custom:1.0' : 'nvcr.io/nvidia/tritonserver:24.01-py3'}
          ports: [{ name: http, containerPort: 8000 }]
`,
      )
      .join('---\n'),
  },
  {
    // Autoscalers with and without metrics, on a GPU server, an LLM server and a CPU server.
    file: 'autoscalers.yaml',
    text: [
      ['gpu', 'registry.example.com/gpu:1.0', 'nvidia.com/gpu: 1'],
      ['llm', 'vllm/vllm-openai:v0.6.3', 'cpu: 1'],
      ['cpu', 'registry.example.com/cpu:1.0', 'cpu: 1'],
    ]
      .map(
        ([name, image, limit]) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec:
  selector: { matchLabels: { app.kubernetes.io/name: ${name} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${name} } }
    spec:
      containers:
        - name: server
          image: ${image}
          ports: [{ name: http, containerPort: 8000 }]
          resources: { limits: { ${limit} } }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}-none }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }, minReplicas: 1, maxReplicas: 2 }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}-cpu }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  metrics: [{ type: Resource, resource: { name: cpu } }, { type: Pods, pods: { metric: { name: DCGM_FI_DEV_GPU_UTIL } } }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}-gpu }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  targetCPUUtilizationPercentage: 50
  metrics: [{ type: Pods, pods: { metric: { name: gpu_util } } }]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name}-ml }
spec:
  scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }
  metrics: [{ type: Resource, resource: { name: memory } }, { type: Pods, pods: { metric: { name: vllm:num_requests_waiting } } }]
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: ${name}-keda }
spec:
  scaleTargetRef: { name: ${name} }
  triggers: [{ type: memory, metadata: { value: "80" } }, { type: prometheus, metadata: { query: sum(up) } }]
`,
      )
      .join('---\n'),
  },
];

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOW = new Date('2026-01-01T00:00:00Z');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) out.push(path);
  }
  return out;
}

const nameOf = (path: string, text: string) => /^#\s*file:\s*(\S+)$/m.exec(text)?.[1] ?? basename(path);

type Input = { label: string; run: (only: string[]) => CheckResult };

const inputs: Input[] = [
  ...yamlFiles(join(ROOT, 'test/fixtures')).map((path) => ({
    label: path.slice(ROOT.length),
    run: (only: string[]) => {
      const text = readFileSync(path, 'utf8');
      return runCheck({ cwd: '/', texts: [{ file: nameOf(path, text), text }], only, now: NOW });
    },
  })),
  ...readdirSync(join(ROOT, 'examples'))
    .sort()
    .map((dir) => ({
      label: `examples/${dir}`,
      run: (only: string[]) => runCheck({ cwd: join(ROOT, 'examples', dir), paths: ['.'], only, now: NOW }),
    })),
  ...[...ADVERSARIAL_INPUTS, ...R6_INPUTS, ...R7_INPUTS].map(({ file, text }, i) => ({
    label: `adversarial ${i} (${file})`,
    run: (only: string[]) => runCheck({ cwd: '/', texts: [{ file, text }], only, now: NOW }),
  })),
];

const findingsOf = (result: CheckResult) =>
  result.findings.map((f) => JSON.stringify([f.file, f.line, f.column, f.path, f.severity, f.message]));

describe.each(REFERENCES.map(([id, r]) => [id, r] as const))('%s', (id, old) => {
  const rule = RULES.get(id) as { check: Rule['check'] } | undefined;
  const fast = rule?.check;
  afterEach(() => {
    if (rule && fast) rule.check = fast;
  });

  it(`${id} reports exactly what main's ${id} reports, on every input`, () => {
    expect(rule, `${id} is registered`).toBeDefined();
    let findings = 0;
    for (const input of inputs) {
      rule!.check = fast!;
      const actual = findingsOf(input.run([id]));
      rule!.check = (context) => old.check(context);
      const expected = findingsOf(input.run([id]));
      rule!.check = fast!;
      expect(actual, `${id} on ${input.label}`).toEqual(expected);
      findings += expected.length;
    }
    // The inputs must exercise the rule: a comparison of two empty lists proves nothing.
    expect(findings).toBeGreaterThan(2);
  });
});

describe('support/runtimes.ts runtimeOf against main', () => {
  const rule = RULES.get('pod-security-context') as { check: Rule['check'] };
  const fast = rule.check;
  afterEach(() => {
    rule.check = fast;
  });

  it('answers as main did for every service, with and without a container, on every input', () => {
    let asked = 0;
    const runtimes = new Set<string>();
    rule.check = ({ service }: RuleContext) => {
      const refs = service.servingContainers();
      for (const ref of [undefined, ...refs]) {
        const expected = reference.runtimeOf(service, ref);
        expect(runtimeOf(service, ref), `${service.name} ${ref?.label ?? '(service)'}`).toBe(expected);
        runtimes.add(expected.id);
        asked++;
      }
    };
    for (const input of inputs) input.run(['pod-security-context']);
    expect(asked).toBeGreaterThan(100);
    expect(runtimes.size).toBeGreaterThan(4);
  });
});

describe('check/image.ts against main', () => {
  it('judges every image reference as main did', () => {
    const images = [
      '',
      ' ',
      '\t',
      'x',
      'x ',
      ' x',
      'a b:1',
      'x\n',
      'x:\u00a0',
      'x::1',
      'x:1::',
      'x:',
      'x@',
      'x:1@',
      'x@sha256:abc',
      'x:latest@sha256:abc',
      'reg:5000/x',
      'reg:5000/x:latest',
      'reg:5000/x:1.0',
      'x:LATEST',
      'x:latest-gpu',
      'x:1.0.0',
      'x:1.0.0-dev',
      'x:dev',
      'x:2.9.0+cu121',
      'x:0',
      'x:-',
      'x:_',
      'x:v1',
      'x:main-1.0',
      'x:1.0-nightly',
      ' x:1.0 ',
      'registry.example.com/model-0:1.0.0',
      'vllm/vllm-openai:v0.6.3',
      'ghcr.io/mlready/mlready:TOOLING',
    ];
    let reasons = 0;
    for (const image of images) {
      const floating = reference.floatingReason(image);
      const invalid = reference.invalidImageReason(image);
      expect(floatingReason(image), `floatingReason(${JSON.stringify(image)})`).toBe(floating);
      expect(invalidImageReason(image), `invalidImageReason(${JSON.stringify(image)})`).toBe(invalid);
      if (floating) reasons++;
      if (invalid) reasons++;
    }
    expect(reasons).toBeGreaterThan(15);
  });
});
