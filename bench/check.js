// Benchmarks `mlready check`: throughput on 10 000 generated resources (in-process), the cold
// start of the CLI on a 10-file service against bare `node -e 0`, and reading one ConfigMap of
// 40 000 keys against the yaml package's own parse without its (quadratic) duplicate-key check,
// measured in the same run.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { runCheck } from '../dist/check/run-check.js';
import { parseYaml } from '../dist/manifest/yaml.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export function service(i) {
  const name = `model-${i}`;
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec:
  replicas: 2
  selector: { matchLabels: { app.kubernetes.io/name: ${name} } }
  template:
    metadata: { labels: { app.kubernetes.io/name: ${name}, app.kubernetes.io/version: "1.0.${i}", mlready.dev/model: ${name} } }
    spec:
      containers:
        - name: server
          image: registry.example.com/${name}:1.0.${i}
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: http } }
          resources: { requests: { cpu: "1", memory: 2Gi }, limits: { cpu: "1", memory: ${i % 7 === 0 ? '1Gi' : '2Gi'} } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name} }
spec: { selector: { app.kubernetes.io/name: ${name} }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name} }
spec: { scaleTargetRef: { apiVersion: apps/v1, kind: Deployment, name: ${name} }, minReplicas: 2, maxReplicas: 4 }
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: { name: ${name} }
spec: { maxUnavailable: 1, selector: { matchLabels: { app.kubernetes.io/name: ${name} } } }
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: { name: ${name} }
spec: { selector: { matchLabels: { app.kubernetes.io/name: ${name} } }, endpoints: [{ port: http }] }
`;
}

/** parseYaml (positions, duplicate keys, depth) over the bare yaml parse of the same text. */
function benchKeys() {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: big }', 'data:'];
  for (let i = 0; i < 40_000; i++) lines.push(`  key${i}: value ${i}`);
  const text = `${lines.join('\n')}\n`;
  const time = (fn) => {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  const bareMs = time(() => parseAllDocuments(text, { uniqueKeys: false }).map((d) => d.toJS()));
  const oursMs = time(() => parseYaml(text, 'cm.yaml'));
  return {
    keys40kMs: Math.round(oursMs),
    keys40kBareYamlMs: Math.round(bareMs),
    keysOverBareYaml: Number((oursMs / bareMs).toFixed(2)),
  };
}

export function benchCheck() {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-bench-'));
  try {
    // 2 000 services × 5 objects = 10 000 resources, 100 files of 20 services each.
    const big = join(dir, 'big');
    mkdirSync(big);
    for (let f = 0; f < 100; f++) {
      const docs = [];
      for (let s = 0; s < 20; s++) docs.push(service(f * 20 + s));
      writeFileSync(join(big, `services-${String(f).padStart(3, '0')}.yaml`), docs.join('---\n'));
    }
    const times = [];
    let result;
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      result = runCheck({ cwd: dir, paths: ['big'] });
      times.push(performance.now() - start);
    }
    const checkMs = median(times);

    // A 10-file model service: the llm-chat example split one object per file.
    const small = join(dir, 'small');
    mkdirSync(small);
    const example = join(ROOT, 'examples/llm-chat');
    const docs = [readFileSync(join(example, 'mlready.yaml'), 'utf8')];
    for (const file of readdirSync(join(example, 'k8s')).sort())
      docs.push(...readFileSync(join(example, 'k8s', file), 'utf8').split(/^---\n/m));
    while (docs.length < 10)
      docs.push(
        `apiVersion: v1\nkind: ConfigMap\nmetadata: { name: extra-${docs.length} }\ndata: { a: b }\n`,
      );
    docs
      .slice(0, 10)
      .forEach((doc, i) => writeFileSync(join(small, i === 0 ? 'mlready.yaml' : `object-${i}.yaml`), doc));

    const run = (args) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, {
        cwd: dir,
        stdio: 'ignore',
        env: { ...process.env, NO_COLOR: '1' },
      });
      if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}`);
      return performance.now() - start;
    };
    const nodeTimes = [];
    const cliTimes = [];
    for (let i = 0; i < 11; i++) {
      nodeTimes.push(run(['-e', '0']));
      cliTimes.push(run([BIN, 'check', 'small']));
    }
    const nodeMs = median(nodeTimes);
    const cliMs = median(cliTimes);
    return {
      name: 'check',
      resources: result.summary.objects,
      files: result.summary.files,
      findings: result.findings.length,
      checkMs: Math.round(checkMs),
      resourcesPerSecond: Math.round((result.summary.objects / checkMs) * 1000),
      coldStartMs: Math.round(cliMs),
      bareNodeMs: Math.round(nodeMs),
      coldStartOverNode: Number((cliMs / nodeMs).toFixed(2)),
      ...benchKeys(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
