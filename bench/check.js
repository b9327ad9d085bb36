// Benchmarks `mlready check` (issue 18), measured in the same run:
// - cold start: `mlready check examples/llm-chat` (the bundled example) against bare `node -e 0`,
//   the median of 11 interleaved runs of each, and the CLI's peak memory (maxRSS);
// - throughput: 10 000 generated resources of mixed kinds (Deployment, StatefulSet, KServe
//   InferenceService, KubeRay RayService and Knative Service workloads, with their Services, HPAs,
//   PodDisruptionBudgets and ServiceMonitors) checked three times in a fresh process on one thread:
//   the median run (the second in practice), with its peak memory (maxRSS) and CPU time, and the first
//   run alone (what a single `mlready check` of such a tree sees); then the same confined to one CPU
//   (taskset), where V8's compiler and garbage-collector threads share the check's core. Each figure
//   is that of the median of three fresh processes, with the slowest and fastest beside it: the same
//   build reads ±15 % from one process to the next on a VM (docs/check-speed.md, "Eleventh round");
// - reading one ConfigMap of 40 000 keys against the yaml package's own parse without its
//   (quadratic) duplicate-key check;
// - reading a file of 20 000 quoted Helm actions (values that Helm's tpl renders: data, not a
//   template) against the yaml package's parse of the same text, which telling data from template
//   structure needs (it was quadratic in the actions).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { parseYaml } from '../dist/manifest/yaml.js';
import { collectInputs } from '../dist/check/inputs.js';

// MLREADY_BENCH_ROOT: another built checkout (an earlier commit) to measure on the same inputs.
const ROOT = process.env.MLREADY_BENCH_ROOT ?? fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const EXAMPLE = join(ROOT, 'examples/llm-chat');

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** The serving workload of service i: five kinds in turn, each as its project's examples write it. */
function workload(i, name) {
  const labels = `{ app.kubernetes.io/name: ${name}, app.kubernetes.io/version: "1.0.${i}", mlready.dev/model: ${name} }`;
  const limits = `{ requests: { cpu: "1", memory: 2Gi }, limits: { cpu: "1", memory: ${i % 7 === 0 ? '1Gi' : '2Gi'} } }`;
  const container = `name: server
          image: registry.example.com/${name}:1.0.${i}
          ports: [{ name: http, containerPort: 8080 }]
          readinessProbe: { httpGet: { path: /ready, port: http } }
          resources: ${limits}`;
  switch (i % 5) {
    case 0:
    case 1: {
      const kind = i % 5 === 0 ? 'Deployment' : 'StatefulSet';
      return {
        apiVersion: 'apps/v1',
        kind,
        text: `apiVersion: apps/v1
kind: ${kind}
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec:
  replicas: 2${kind === 'StatefulSet' ? `\n  serviceName: ${name}` : ''}
  selector: { matchLabels: { app.kubernetes.io/name: ${name} } }
  template:
    metadata: { labels: ${labels} }
    spec:
      containers:
        - ${container}
`,
      };
    }
    case 2:
      return {
        apiVersion: 'serving.kserve.io/v1beta1',
        kind: 'InferenceService',
        text: `apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: ${name}, labels: ${labels} }
spec:
  predictor:
    minReplicas: 2
    maxReplicas: 4
    model:
      modelFormat: { name: sklearn }
      storageUri: gs://models/${name}/1.0.${i}
      resources: ${limits}
`,
      };
    case 3:
      return {
        apiVersion: 'ray.io/v1',
        kind: 'RayService',
        text: `apiVersion: ray.io/v1
kind: RayService
metadata: { name: ${name}, labels: ${labels} }
spec:
  serveConfigV2: |
    applications:
      - name: ${name}
        import_path: serve_app:app
  rayClusterConfig:
    headGroupSpec:
      rayStartParams: {}
      template:
        metadata: { labels: ${labels} }
        spec:
          containers:
            - name: ray-head
              image: rayproject/ray:2.9.0
              resources: ${limits}
    workerGroupSpecs:
      - groupName: gpu
        replicas: 2
        minReplicas: 2
        maxReplicas: 4
        rayStartParams: {}
        template:
          metadata: { labels: ${labels} }
          spec:
            containers:
              - name: ray-worker
                image: rayproject/ray:2.9.0
                resources: { requests: { cpu: "1", memory: 2Gi, nvidia.com/gpu: 1 }, limits: { cpu: "1", memory: 2Gi, nvidia.com/gpu: 1 } }
`,
      };
    default:
      return {
        apiVersion: 'serving.knative.dev/v1',
        kind: 'Service',
        text: `apiVersion: serving.knative.dev/v1
kind: Service
metadata: { name: ${name}, labels: ${labels} }
spec:
  template:
    metadata: { labels: ${labels}, annotations: { autoscaling.knative.dev/min-scale: "2" } }
    spec:
      containers:
        - ${container}
`,
      };
  }
}

/** One model service of five resources: its workload, a Service, an HPA, a PDB and a ServiceMonitor. */
export function service(i) {
  const name = `model-${i}`;
  const w = workload(i, name);
  return `${w.text}---
apiVersion: v1
kind: Service
metadata: { name: ${name}, labels: { app.kubernetes.io/name: ${name} } }
spec: { selector: { app.kubernetes.io/name: ${name} }, ports: [{ name: http, port: 80, targetPort: http }] }
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: { name: ${name} }
spec: { scaleTargetRef: { apiVersion: ${w.apiVersion}, kind: ${w.kind}, name: ${name} }, minReplicas: 2, maxReplicas: 4 }
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

/** collectInputs on 20 000 quoted Helm actions over the bare yaml parse of the same text. */
function benchQuotedActions(dir) {
  const lines = ['apiVersion: v1', 'kind: ConfigMap', 'metadata: { name: values }', 'data:'];
  for (let i = 0; i < 20_000; i++) lines.push(`  key${i}: "{{ .Values.v${i} }}"`);
  const text = `${lines.join('\n')}\n`;
  writeFileSync(join(dir, 'quoted.yaml'), text);
  const time = (fn) => {
    const times = [];
    for (let i = 0; i < 3; i++) {
      const start = performance.now();
      fn();
      times.push(performance.now() - start);
    }
    return median(times);
  };
  const bareMs = time(() => parseAllDocuments(text, { uniqueKeys: false }));
  const oursMs = time(() => {
    const read = collectInputs({ cwd: dir, paths: ['quoted.yaml'], maxFileBytes: 64 << 20 });
    if (read.texts.length !== 1) throw new Error('quoted actions were not read as YAML');
  });
  return {
    quotedActions20kMs: Math.round(oursMs),
    quotedActions20kBareYamlMs: Math.round(bareMs),
    quotedActionsOverBareYaml: Number((oursMs / bareMs).toFixed(2)),
  };
}

/** Checks the generated tree in a fresh process, on one thread; its time, result counts and maxRSS. */
const THROUGHPUT_CHILD = `
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
// The V8 settings that the CLI's entry applies (src/cli/compiler-tuning.ts), before anything is compiled:
// on one CPU (the taskset runs) its one-CPU settings; none for a build that predates them (MLREADY_BENCH_ROOT).
const tuning = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/cli/compiler-tuning.js')).href)}).then(
  (m) => m.compilerFlags({ v8Version: process.versions.v8, execArgv: process.execArgv, env: process.env,
    cpus: availableParallelism() }),
  () => ({ flags: [] }));
for (const flag of tuning.flags) setFlagsFromString(flag);
const { runCheck } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/check/run-check.js')).href)});
const [cwd] = process.argv.slice(-1);
const times = [];
let result;
for (let i = 0; i < 3; i++) {
  const start = performance.now();
  const cpu = process.cpuUsage();
  result = runCheck({ cwd, paths: ['big'] });
  const used = process.cpuUsage(cpu);
  times.push({ ms: performance.now() - start, cpuMs: (used.user + used.system) / 1000 });
}
const first = times[0];
times.sort((a, b) => a.ms - b.ms);
const kinds = {};
for (const s of result.services) for (const o of s.objects) { const k = o.split('/')[0]; kinds[k] = (kinds[k] ?? 0) + 1; }
console.log(JSON.stringify({ ms: times[1].ms, cpuMs: times[1].cpuMs, firstMs: first.ms, objects: result.summary.objects, files: result.summary.files,
  findings: result.findings.length, notChecked: result.summary.notChecked, kinds, maxRssKb: process.resourceUsage().maxRSS,
  v8Flags: tuning.flags }));
`;

/** Runs THROUGHPUT_CHILD on the tree under dir in a fresh process, behind `prefix` (taskset) if given. */
function throughputRun(dir, prefix = []) {
  const argv = [process.execPath, '--input-type=module', '-e', THROUGHPUT_CHILD, dir];
  const all = [...prefix, ...argv];
  const child = spawnSync(all[0], all.slice(1), { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (child.status !== 0) throw new Error(`throughput run failed: ${child.error ?? child.stderr}`);
  return JSON.parse(child.stdout);
}

/** Fresh processes per throughput figure: one process is one sample of a noisy VM (±15 % apart). */
export const THROUGHPUT_PROCESSES = 3;

/** Resources per second of a throughput process's measured run. */
const perSecond = (p) => Math.round((p.objects / p.ms) * 1000);

/**
 * THROUGHPUT_CHILD in THROUGHPUT_PROCESSES fresh processes, one after the other: the median process
 * (by its measured run's time), and the slowest and fastest processes' resources per second.
 */
export function throughputProcesses(run) {
  const processes = [];
  for (let i = 0; i < THROUGHPUT_PROCESSES; i++) processes.push(run());
  const byTime = [...processes].sort((a, b) => a.ms - b.ms);
  return {
    ...byTime[Math.floor(byTime.length / 2)],
    slowestPerSecond: perSecond(byTime[byTime.length - 1]),
    fastestPerSecond: perSecond(byTime[0]),
  };
}

/** The first CPU this process may run on (`taskset -cp`: "…affinity list: 0-3,6"), or undefined without taskset. */
function firstAllowedCpu() {
  const probe = spawnSync('taskset', ['-cp', String(process.pid)], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  return /list:\s*(\d+)/.exec(probe.stdout)?.[1];
}

/** Prints the process's peak memory on exit, for the CLI's cold start. */
const MAX_RSS_HOOK =
  "data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>writeSync(2,'maxRSS='+process.resourceUsage().maxRSS+'\\n'))";

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
    const throughput = throughputProcesses(() => throughputRun(dir));
    // The same run confined to one CPU: V8 compiles optimized code and collects garbage on helper
    // threads, which an unconfined run gets from a second core; a CI job limited to one core does not.
    const cpu = firstAllowedCpu();
    const oneCpu =
      cpu === undefined ? undefined : throughputProcesses(() => throughputRun(dir, ['taskset', '-c', cpu]));

    const run = (args) => {
      const start = performance.now();
      const r = spawnSync(process.execPath, args, {
        cwd: EXAMPLE,
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
      cliTimes.push(run([BIN, 'check', '.']));
    }
    const nodeMs = median(nodeTimes);
    const cliMs = median(cliTimes);
    const memory = spawnSync(process.execPath, ['--import', MAX_RSS_HOOK, BIN, 'check', '.'], {
      cwd: EXAMPLE,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
    });
    const coldMaxRssKb = Number(/maxRSS=(\d+)/.exec(memory.stderr)?.[1]);
    return {
      name: 'check',
      resources: throughput.objects,
      files: throughput.files,
      kinds: throughput.kinds,
      notChecked: throughput.notChecked,
      findings: throughput.findings,
      checkMs: Math.round(throughput.ms),
      // CPU time (user + system, GC threads included) of the same run: steadier than wall time on a busy machine.
      checkCpuMs: Math.round(throughput.cpuMs),
      resourcesPerSecond: perSecond(throughput),
      // The figures above and below are the median process's of THROUGHPUT_PROCESSES; these are the
      // slowest and the fastest process's.
      throughputProcesses: THROUGHPUT_PROCESSES,
      resourcesPerSecondRange: [throughput.slowestPerSecond, throughput.fastestPerSecond],
      // The first run alone, before V8 has optimized anything: what one `mlready check` of such a tree
      // sees (the figure above is the median of three runs in the process).
      firstRunMs: Math.round(throughput.firstMs),
      firstRunResourcesPerSecond: Math.round((throughput.objects / throughput.firstMs) * 1000),
      throughputPeakMb: Math.round(throughput.maxRssKb / 1024),
      // The V8 settings the runs used (the CLI's own, src/cli/compiler-tuning.ts).
      v8Flags: throughput.v8Flags ?? [],
      // Confined to one CPU with taskset (absent without it): the median run, its CPU time, the first run
      // (of the median process).
      ...(oneCpu && {
        oneCpuCheckMs: Math.round(oneCpu.ms),
        oneCpuCheckCpuMs: Math.round(oneCpu.cpuMs),
        oneCpuResourcesPerSecond: perSecond(oneCpu),
        oneCpuResourcesPerSecondRange: [oneCpu.slowestPerSecond, oneCpu.fastestPerSecond],
        oneCpuFirstRunMs: Math.round(oneCpu.firstMs),
        oneCpuV8Flags: oneCpu.v8Flags ?? [],
      }),
      coldStartMs: Math.round(cliMs),
      bareNodeMs: Math.round(nodeMs),
      coldStartOverNode: Number((cliMs / nodeMs).toFixed(2)),
      coldStartPeakMb: Math.round(coldMaxRssKb / 1024),
      ...benchKeys(),
      ...benchQuotedActions(dir),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
