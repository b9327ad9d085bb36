import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { checkFiles, checkText } from './helpers/check.js';
import { tmpTree } from './helpers/tmp.js';

const upstream = (path: string) =>
  readFileSync(new URL(`./fixtures/upstream/${path}`, import.meta.url), 'utf8');

interface Json {
  services: {
    name: string;
    role: string;
    modelServers: { object: string; reason: string }[];
    supportingWorkloads: string[];
    batchJobs: string[];
    notChecked: string[];
    missing?: string;
    readiness?: {
      level: number | string;
      checkedLevel?: number;
      sections: { section: string; score: number | null; why?: string }[];
    };
  }[];
  summary: { services: number; supportingWorkloads: number; notChecked: number; skipped: number };
}

async function checkJson(stdin: string): Promise<{ code: number; json: Json }> {
  const run = await cli(['check', '-', '--format', 'json', '--no-config'], { stdin });
  return { code: run.code, json: JSON.parse(run.stdout) as Json };
}

/** A Deployment that passes every rule but the ones that need a manifest or a cluster around it. */
const PERFECT = `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: fraud }
spec:
  model:
    name: fraud
    version: 1.4.2
    lineage: { dataset: s3://d/fraud, datasetVersion: "7", trainingRun: mlflow:run/1, codeCommit: abc1234, hyperparameters: s3://d/hp.json }
  serving: { runtime: custom }
`;

const UNREAD_CRD = `apiVersion: example.com/v1
kind: ModelServer
metadata: { name: fraud, labels: { mlready.dev/model: fraud } }
spec:
  template:
    spec:
      containers: [{ name: server, image: "r/fraud:1.4.2" }]
`;

describe('no false green', () => {
  it('reads a LeaderWorkerSet on its own: findings and a level, never a silent level 3', async () => {
    const { code, json } = await checkJson(upstream('lws/vllm-gpu.yaml'));
    expect(code).toBe(1);
    expect(json.services.map((s) => [s.name, s.role, s.readiness?.level])).toEqual([['vllm', 'model', 0]]);
  });

  it('gives a VirtualService on its own no level and says what is missing, judging only what it shows', async () => {
    const run = await cli(['check', '-', '--no-config'], {
      stdin: upstream('torchserve/virtual-service.yaml'),
    });
    // What it shows on its own is judged (an open gateway route, /metrics on every host: exit 1);
    // the model service behind it is not, and the verdict says so instead of a level.
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('routes "/metrics" from a gateway on every host');
    expect(run.stdout).toContain(
      '(no workload): no readiness level — no workload: VirtualService/torchserve-vs needs the workload that serves the model (a Deployment, InferenceService, RayService, …) in the same input to be judged',
    );
    expect(run.stdout).toMatch(
      /^✖ 2 findings \(2 errors, 0 warnings, 0 info\) · 1 object in 1 file, 0 model services$/m,
    );
    expect(run.stdout).not.toContain('✔');
    expect(run.stdout).not.toMatch(/readiness level \d/);
  });

  it.each([
    [
      'a Service',
      'apiVersion: v1\nkind: Service\nmetadata: { name: s }\nspec: { selector: { app: s }, ports: [{ port: 80 }] }\n',
    ],
    [
      'a NetworkPolicy',
      'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: { name: n }\nspec: { podSelector: { matchLabels: { app: s } } }\n',
    ],
    ['a PrometheusRule', upstream('triton/triton-metrics-prometheus-rule.yaml')],
  ])('gives %s on its own no readiness level', async (_what, text) => {
    const { code, json } = await checkJson(text);
    expect(code).toBe(0);
    expect(json.services.map((s) => [s.role, s.readiness])).toEqual([['no-workload', undefined]]);
    expect(json.services[0]!.missing).toMatch(/^no workload: /);
  });

  it('never gives level 3 to a service with an unread workload: level unknown, with what its checked parts reach', async () => {
    const good = JSON.parse((await cli(['check', 'examples/llm-chat', '--format', 'json'])).stdout) as Json;
    expect(good.services.map((s) => s.readiness?.level)).toEqual([3]);
    const dir = tmpTree({ 'crd.yaml': UNREAD_CRD.replaceAll('fraud', 'llm-chat') });
    const run = await cli(['check', 'examples/llm-chat', join(dir, 'crd.yaml'), '--format', 'json']);
    const json = JSON.parse(run.stdout) as Json;
    expect(
      json.services.map((s) => [s.name, s.readiness?.level, s.readiness?.checkedLevel, s.notChecked]),
    ).toEqual([['llm-chat', 'unknown', 3, ['ModelServer/llm-chat']]]);
    expect(json.summary.notChecked).toBe(1);
    const result = checkFiles({ 'fraud/mlready.yaml': PERFECT, 'fraud/crd.yaml': UNREAD_CRD });
    expect(result.findings.filter((f) => f.ruleId === 'unknown-workload-kind').map((f) => f.message)).toEqual(
      [
        'not checked: ModelServer/fraud (example.com/v1) runs pods at spec.template.spec, but mlready does not read ModelServer',
      ],
    );
  });

  it('says "level unknown" and counts what was not checked in the text summary, with exit 0 (1 with --fail-on warning)', async () => {
    const run = await cli(['check', '-', '--no-config'], { stdin: UNREAD_CRD });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'fraud: readiness unknown — not checked: ModelServer/fraud (its checked parts reach level 0)',
    );
    expect(run.stdout).toMatch(/· 1 not checked$/m);
    const strict = await cli(['check', '-', '--no-config', '--fail-on', 'warning'], { stdin: UNREAD_CRD });
    expect(strict.code).toBe(1);
  });

  it('never exits 2 on valid YAML made only of kinds it does not read, and says nothing was checked', async () => {
    const run = await cli(['check', '-', '--no-config'], {
      stdin:
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: { name: r }\nrules: []\n',
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^– no findings, but no model service to judge · 0 objects in 1 file, 0 model services · 1 skipped$/m,
    );
  });

  it('reads the kinds it used to exit 2 on (ClusterServingRuntime, RayService, Seldon Model/Pipeline/Experiment)', async () => {
    for (const path of [
      'kserve/runtimes/kserve-huggingfaceserver.yaml',
      'kuberay/ray-service.vllm.yaml',
      'seldon-v2/income/pipeline.yaml',
      'seldon-v2/income/income.yaml',
      'seldon-v2/experiment-ab-default-model.yaml',
    ]) {
      const run = await cli(['check', '-', '--no-config'], { stdin: upstream(path) });
      expect(run.code, path).not.toBe(2);
      expect(run.stdout, path).not.toContain('skipped');
    }
  });

  it('lints a RayService as the model server and its Redis and client pod as supporting workloads', async () => {
    const { json } = await checkJson(upstream('kuberay/ray-service.high-availability.yaml'));
    expect(
      json.services.map((s) => [s.name, s.role, s.modelServers.map((m) => m.object), s.supportingWorkloads]),
    ).toEqual([
      ['rayservice-ha', 'model', ['RayService/rayservice-ha'], []],
      ['ray-pod', 'supporting', [], ['Pod/ray-pod']],
      ['redis', 'supporting', [], ['Deployment/redis']],
    ]);
    const result = checkText(upstream('kuberay/ray-service.high-availability.yaml'));
    const onRedis = result.findings.filter((f) => f.object === 'Deployment/redis').map((f) => f.ruleId);
    expect(onRedis).not.toContain('model-version-label');
    expect(onRedis).not.toContain('require-model-metrics');
    expect(onRedis).not.toContain('immutable-model-config');
    expect(onRedis).toContain('require-cpu-memory-limits');
    expect(json.summary).toMatchObject({ services: 1, supportingWorkloads: 2 });
  });

  it('checks the model server inside a Knative Service, not a core Service', () => {
    const result = checkText(`apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: llm }
spec:
  template:
    spec:
      containers:
        - image: vllm/vllm-openai:latest
          resources: { limits: { nvidia.com/gpu: "1" } }
`);
    expect(result.services.map((s) => [s.role, s.modelServers.map((m) => m.object)])).toEqual([
      ['model', ['Service.serving.knative.dev/llm']],
    ]);
    expect(result.findings.map((f) => f.ruleId)).toContain('no-floating-image-tag');
  });

  it('lints a model-download Job and a sidecar with the general rules only', () => {
    const result = checkText(`apiVersion: apps/v1
kind: Deployment
metadata: { name: llm }
spec:
  replicas: 2
  template:
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          args: [--model, org/m, --revision, abc1234]
          resources: { limits: { nvidia.com/gpu: "1" } }
        - name: log-shipper
          image: fluent/fluent-bit:3.0.0
---
apiVersion: batch/v1
kind: Job
metadata: { name: download }
spec:
  template:
    spec:
      containers: [{ name: dl, image: "python:3.12", args: [huggingface-cli, download, org/m] }]
`);
    const startup = result.findings.filter((f) =>
      ['startup-budget', 'require-readiness-probe', 'require-gpu-limit'].includes(f.ruleId),
    );
    expect(startup.map((f) => f.message).filter((m) => /log-shipper|download/.test(m))).toEqual([]);
    expect(result.services.flatMap((s) => s.batchJobs)).toEqual(['Job/download']);
    // The sidecar still gets the general rules.
    expect(
      result.findings.some(
        (f) => f.ruleId === 'require-cpu-memory-limits' && f.message.includes('log-shipper'),
      ),
    ).toBe(true);
  });
});

describe('without mlready.yaml', () => {
  const VLLM = `apiVersion: apps/v1
kind: Deployment
metadata: { name: llm, labels: { app: llm } }
spec:
  replicas: 2
  template:
    metadata: { labels: { app: llm } }
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.8.5
          resources: { limits: { nvidia.com/gpu: "1" } }
---
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
metadata: { name: llm, labels: { app: llm } }
spec:
  groups:
    - name: llm
      rules:
`;
  const LATENCY = `        - alert: LlmLatencyHigh
          expr: histogram_quantile(0.95, sum by (le) (rate(vllm:e2e_request_latency_seconds_bucket[5m]))) > 10
          for: 10m
          labels: { severity: page }
`;
  const ERRORS = `        - alert: LlmErrors
          expr: sum(rate(http_requests_total{status="5xx"}[5m])) > 1
          for: 10m
          labels: { severity: page }
`;
  const DRIFT = `        - alert: LlmPromptDrift
          expr: max(model_data_drift_score) > 0.25
          for: 1h
          labels: { severity: ticket }
`;
  const rulesOf = (text: string) => checkText(text).findings.map((f) => `${f.ruleId}: ${f.message}`);

  it('infers the runtime and its metrics: removing the latency or the drift alert changes the verdict', () => {
    const all = rulesOf(VLLM + LATENCY + ERRORS + DRIFT);
    expect(all.filter((f) => /^require-(slo-alerts|drift-detection|model-metrics)/.test(f))).toEqual([]);
    expect(rulesOf(VLLM + ERRORS + DRIFT).filter((f) => f.startsWith('require-slo-alerts'))).toEqual([
      'require-slo-alerts: no alert on the latency of Deployment/llm (over vllm:e2e_request_latency_seconds)',
    ]);
    expect(rulesOf(VLLM + LATENCY + ERRORS).filter((f) => f.startsWith('require-drift-detection'))).toEqual([
      'require-drift-detection: no drift alert found for Deployment/llm: nothing tells you when its inputs drift',
    ]);
  });

  it('scores a section with nothing to show 0 % and says why, never 100 %', () => {
    const drift = checkText(VLLM + LATENCY + ERRORS).services[0]!.readiness!.sections.find(
      (s) => s.section === 'drift',
    );
    expect(drift).toEqual({
      section: 'drift',
      rules: 2,
      passed: 0,
      score: 0,
      why: 'no drift alert found for Deployment/llm: nothing tells you when its inputs drift',
    });
  });

  it('reports lineage as one finding pointing at mlready init', () => {
    const lineage = checkText(VLLM).findings.filter((f) => f.ruleId === 'require-lineage');
    expect(lineage.map((f) => [f.line, f.message, f.fix])).toEqual([
      [
        3,
        'no lineage for Deployment/llm: no mlready.yaml records its dataset, training run, code commit and hyperparameters',
        'Run `mlready init` beside the manifests and fill spec.model.lineage from your experiment tracker.',
      ],
    ]);
  });

  it('shows a section with nothing to judge as n/a, not as 100 % or clean', async () => {
    const run = await cli(['check', '-', '--no-config', '--rule', 'no-floating-image-tag'], { stdin: VLLM });
    expect(run.stdout).toMatch(/rollout 100% · scaling n\/a · monitoring n\/a · drift n\/a/);
    expect(run.stdout).toContain(
      'llm: readiness level 0 (manual); held back by resources, lineage, security',
    );
  });
});
