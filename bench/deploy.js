// Benchmarks `mlready deploy` against `kubectl apply --server-side` + `kubectl rollout status` on the
// same change (a new serving image for the llm-chat example, all 8 objects applied), on a real
// Kubernetes v1.32 control plane (../shared/k8s/up; skipped with a reason when it is not built).
// Runs alternate between the two tools in separate namespaces, so load hits both alike; medians
// are reported with their ratio. Also measures, for mlready, the detection and rollback times of a
// crash-looping image (kubectl rollout status would wait for the progress deadline, 300 s here).
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin/mlready.js');
const RUNS = Number(process.env.MLREADY_BENCH_DEPLOY_RUNS ?? 5);
const IMAGES = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'].map(
  (c, i) => `vllm/vllm-openai:v0.6.${10 + i}@sha256:${c.repeat(64)}`,
);

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Runs a command under bash's `time`: wall time, and CPU time (user + system) — which does not
 * grow with the machine's load the way wall time does, so both are reported.
 */
function timed(command, args, options) {
  const result = spawnSync('bash', ['-c', 'TIMEFORMAT="%R %U %S"; time "$@"', 'bash', command, ...args], {
    encoding: 'utf8',
    ...options,
  });
  const times = /(\d+\.\d+) (\d+\.\d+) (\d+\.\d+)\s*$/.exec(result.stderr ?? '');
  if (!times) throw new Error(`no timing from ${command}: ${result.stderr?.slice(-300)}`);
  if (result.status !== 0 && !options?.allowFailure)
    throw new Error(`${command} ${args.join(' ')} exited ${result.status}: ${result.stderr?.slice(-500)}`);
  const [, real, user, sys] = times.map(Number);
  return { ms: real * 1000, cpuMs: (user + sys) * 1000, result };
}

/** The llm-chat example in namespace `ns`, its weights volume an emptyDir (no storage provisioner). */
function example(ns) {
  const dir = mkdtempSync(join(tmpdir(), `mlready-bench-${ns}-`));
  cpSync(join(ROOT, 'examples/llm-chat'), dir, { recursive: true });
  for (const file of ['mlready.yaml', ...readdirSync(join(dir, 'k8s')).map((f) => join('k8s', f))]) {
    const path = join(dir, file);
    let text = readFileSync(path, 'utf8').replaceAll('namespace: ml-serving', `namespace: ${ns}`);
    text = text.replace(
      /persistentVolumeClaim:\n(?:\s+#.*\n)?\s+claimName: \S+\n\s+readOnly: true/,
      'emptyDir: {}',
    );
    writeFileSync(path, text);
  }
  return dir;
}

function setImage(dir, image) {
  const path = join(dir, 'k8s/deployment.yaml');
  const before = readFileSync(path, 'utf8');
  const after = before.replace(/image: "?vllm\/vllm-openai[^"\s]*"?/, `image: "${image}"`);
  // Without a change kubectl has nothing to roll out and the comparison would be meaningless.
  if (after === before) throw new Error(`bench: no serving image to replace in ${path}`);
  writeFileSync(path, after);
}

export function benchDeploy() {
  const kit = resolve(ROOT, process.env.MLREADY_K8S_KIT ?? '../shared/k8s');
  const up = join(kit, 'up');
  if (!existsSync(up)) return { bench: 'deploy', skipped: `no control-plane kit at ${kit}` };
  if (spawnSync('bash', [up, '--check']).status !== 0)
    return { bench: 'deploy', skipped: 'the control-plane binaries are not built (../shared/k8s/build)' };
  const env = {
    ...process.env,
    K8S_NODES: 'gpu-node-1,gpu-node-2',
    SIM_NODE_GPUS: '4',
    SIM_NODE_CPU: '64',
    SIM_NODE_MEMORY: '512Gi',
    SIM_NODE_LABELS: 'nvidia.com/gpu.product=nvidia-l4',
  };
  spawnSync('bash', [join(kit, 'down')], { env, stdio: 'ignore' });
  const kubeconfig = execFileSync('bash', [up], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  })
    .trim()
    .split('\n')
    .pop();
  // The kit's kubectl, where `up` finds its binaries (K8S_RUN_DIR may be elsewhere).
  const kubectl = join(
    process.env.K8S_BIN ?? join(process.env.K8S_HOME ?? join(homedir(), 'k8s-real'), 'bin'),
    'kubectl',
  );
  const kenv = { ...process.env, KUBECONFIG: kubeconfig, NO_COLOR: '1' };
  const k = (args, options = {}) => timed(kubectl, args, { env: kenv, ...options });
  const dirs = [];
  try {
    k(['apply', '--server-side', '-f', join(ROOT, 'test/e2e/fixtures/crds.yaml')]);
    k(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    const mine = example('bench-mlready');
    const theirs = example('bench-kubectl');
    dirs.push(mine, theirs);
    k(['create', 'namespace', 'bench-mlready']);
    k(['create', 'namespace', 'bench-kubectl']);
    const mlready = (args, allowFailure = false) =>
      timed(process.execPath, [BIN, ...args, '--kubeconfig', kubeconfig, '--ci'], {
        cwd: mine,
        env: kenv,
        allowFailure,
      });
    const kubectlDeploy = () => {
      const apply = k(['apply', '--server-side', '-f', join(theirs, 'k8s')]);
      const status = k(['rollout', 'status', 'deployment/llm-chat', '-n', 'bench-kubectl', '--timeout=300s']);
      return {
        total: apply.ms + status.ms,
        cpu: apply.cpuMs + status.cpuMs,
        apply: apply.ms,
        rollout: status.ms,
      };
    };
    // Where mlready's time goes, from its own timeline (ms since deploy() began) and the process time.
    const phases = (run) => {
      const json = JSON.parse(run.result.stdout);
      const at = (re) => json.timeline.find((e) => re.test(e.message))?.atMs ?? NaN;
      const done = json.timeline.at(-1).atMs;
      return {
        total: run.ms,
        cpu: run.cpuMs,
        startup: run.ms - done,
        check: at(/^dry run of/) - at(/^checking/),
        dryRun: at(/^applying/) - at(/^dry run of/),
        apply: at(/^waiting for Deployment/) - at(/^applying/),
        rollout: json.rolloutMs,
      };
    };
    // First releases, then let the HPA bring both to its minimum of 2 replicas.
    mlready(['deploy', '.']);
    kubectlDeploy();
    const ready = (ns) =>
      JSON.parse(k(['get', 'deployment', 'llm-chat', '-n', ns, '-o', 'json']).result.stdout).status
        .availableReplicas === 2;
    for (let i = 0; i < 240 && !(ready('bench-mlready') && ready('bench-kubectl')); i++)
      spawnSync('sleep', ['0.5']);

    const times = { mlready: [], kubectl: [] };
    // The machine's load beside the figures: wall times on a shared machine grow with it.
    const loadBefore = loadavg()[0];
    for (let run = 0; run < RUNS; run++) {
      const image = IMAGES[run % IMAGES.length];
      const order = run % 2 === 0 ? ['mlready', 'kubectl'] : ['kubectl', 'mlready'];
      for (const tool of order) {
        if (tool === 'mlready')
          times.mlready.push(phases(mlready(['deploy', '.', '--image', image, '--format', 'json'])));
        else {
          setImage(theirs, image);
          times.kubectl.push(kubectlDeploy());
        }
      }
    }
    const medians = (list) =>
      Object.fromEntries(
        Object.keys(list[0]).map((key) => [key, Math.round(median(list.map((x) => x[key])))]),
      );
    const crash = mlready(
      [
        'deploy',
        '.',
        '--image',
        'vllm/vllm-openai:v0.7.0-crashloop@sha256:' + 'c'.repeat(64),
        '--format',
        'json',
      ],
      true,
    );
    const json = JSON.parse(crash.result.stdout || '{}');
    const m = medians(times.mlready);
    const kc = medians(times.kubectl);
    return {
      bench: 'deploy',
      runs: RUNS,
      change: 'new serving image, 8 objects applied, 2 replicas, maxSurge 100%',
      mlreadyMedianMs: m.total,
      kubectlApplyPlusRolloutStatusMedianMs: kc.total,
      ratio: Number((m.total / kc.total).toFixed(2)),
      cpuRatio: Number((m.cpu / kc.cpu).toFixed(2)),
      // Process start-up and exit (Node, modules), the pre-flight check, the dry run, the applies
      // and the rollout wait; kubectl: apply and rollout status.
      mlreadyPhasesMedianMs: m,
      kubectlPhasesMedianMs: kc,
      loadAverage: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0].toFixed(2)) },
      mlreadyMs: times.mlready.map((x) => Math.round(x.total)),
      kubectlMs: times.kubectl.map((x) => Math.round(x.total)),
      crashLoop: {
        outcome: json.outcome,
        detectionMs: json.detectionMs,
        rollbackMs: json.rollback?.elapsedMs,
        totalMs: Math.round(crash.ms),
      },
    };
  } finally {
    spawnSync('bash', [join(kit, 'down')], { env, stdio: 'ignore' });
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(JSON.stringify(benchDeploy()));
