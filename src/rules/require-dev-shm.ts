import { asArray, asRecord, asString } from '../check/objects.js';
import type { ContainerRef } from '../workloads/model.js';
import { acceleratorsOf } from '../workloads/serving.js';
import { defineRule } from './rule.js';
import { runtimeOf } from './support/runtimes.js';
import { servingContainers, workloadOfContainer } from './support/serving.js';

export default defineRule({
  id: 'require-dev-shm',
  severity: 'error',
  appliesTo: 'model-servers',
  section: 'resources',
  kinds: ['workload'],
  docs: {
    summary:
      'Multi-process GPU servers (vLLM or TGI sharded over several GPUs, Triton or multi-worker TorchServe on a GPU) mount /dev/shm as an in-memory emptyDir; CPU servers are not asked to.',
    why:
      "Containers get a 64 MB /dev/shm. NCCL (tensor parallelism), Triton's Python backend and TorchServe workers pass " +
      'tensors through shared memory, so the server dies with "Bus error" or NCCL errors under the first real batch, ' +
      'never in a smoke test.',
    fix: 'Add a volume `emptyDir: { medium: Memory, sizeLimit: 8Gi }` and mount it at /dev/shm in the serving container.',
  },
  check({ service, report }) {
    // An indexed loop: the serving list is frozen, and its iterator is not optimized away (issue 18).
    const refs = servingContainers(service);
    for (let i = 0; i < refs.length; i++) {
      const ref = refs[i]!;
      // Pods an operator renders (or a runtime mlready does not see) may mount it themselves.
      if (ref.template.synthesized || ref.partial) continue;
      // The runtime first: only four run several processes, and most containers run none of them.
      const runtime = runtimeOf(service, ref).id;
      if (!isMultiProcessRuntime(runtime)) continue;
      const workload = workloadOfContainer(service, ref);
      if (workload?.info.id === 'InferenceService' && workload.builtFrom.length === 0) continue;
      const reason = multiProcessReason(ref, runtime, service.manifest?.manifest.spec.serving.tensorParallel);
      if (!reason) continue;
      if (!mountsMemoryShm(ref)) {
        const where = ref.at('name');
        report({
          object: where.object,
          path: where.path,
          message: `${ref.label} ${reason} but does not mount an emptyDir with medium Memory at /dev/shm`,
        });
      }
    }
  },
});

function multiProcessReason(
  ref: ContainerRef,
  runtime: string,
  tensorParallel: number | undefined,
): string | undefined {
  // Only four runtimes run several processes: the command line, the env and the accelerators of
  // every other container are not read.
  if (!isMultiProcessRuntime(runtime)) return undefined;
  const args = [...asArray(ref.container.command), ...asArray(ref.container.args)].map(String).join(' ');
  const env = Object.fromEntries(
    asArray(ref.container.env).map((e) => [
      asString(asRecord(e).name) ?? '',
      asString(asRecord(e).value) ?? '',
    ]),
  );
  const flag = (names: readonly string[]) => {
    for (const name of names) {
      const m = FLAG_PATTERNS.get(name)!.exec(args);
      if (m) return Number(m[1]);
    }
    return undefined;
  };
  if (runtime === 'vllm') {
    const tp = flag(TP_FLAGS) ?? tensorParallel ?? 1;
    const pp = flag(PP_FLAGS) ?? 1;
    if (tp * pp > 1) return `runs vLLM on ${tp * pp} GPUs (tensor/pipeline parallel)`;
  }
  if (runtime === 'tgi') {
    const shards =
      flag(SHARD_FLAGS) ?? (env.NUM_SHARD ? Number(env.NUM_SHARD) : undefined) ?? tensorParallel ?? 1;
    if (shards > 1) return `shards TGI over ${shards} GPUs`;
  }
  // On CPU, Triton and TorchServe run with the default /dev/shm: the demand is for GPU servers.
  const gpu = acceleratorsOf(ref).length > 0;
  if (runtime === 'triton' && gpu)
    return 'runs Triton on a GPU (Python backend and ensembles exchange tensors through shared memory)';
  if (runtime === 'torchserve' && gpu) {
    const workers = env.TS_DEFAULT_WORKERS_PER_MODEL ? Number(env.TS_DEFAULT_WORKERS_PER_MODEL) : undefined;
    if (workers === undefined || workers > 1) return 'runs TorchServe with several worker processes on a GPU';
  }
  return undefined;
}

function isMultiProcessRuntime(runtime: string): boolean {
  return runtime === 'vllm' || runtime === 'tgi' || runtime === 'triton' || runtime === 'torchserve';
}

const TP_FLAGS = ['--tensor-parallel-size', '-tp'] as const;
const PP_FLAGS = ['--pipeline-parallel-size', '-pp'] as const;
const SHARD_FLAGS = ['--num-shard'] as const;
/** `--flag=N` or `--flag N`: compiled once (not sticky or global, so no state between calls). */
const FLAG_PATTERNS: ReadonlyMap<string, RegExp> = new Map(
  [...TP_FLAGS, ...PP_FLAGS, ...SHARD_FLAGS].map((name) => [name, new RegExp(`${name}[= ](\\d+)`)]),
);

function mountsMemoryShm(ref: ContainerRef): boolean {
  const mount = asArray(ref.container.volumeMounts)
    .map(asRecord)
    .find((m) => m.mountPath === '/dev/shm');
  if (!mount) return false;
  const volume = asArray(ref.template.spec.volumes)
    .map(asRecord)
    .find((v) => v.name === mount.name);
  return asString(asRecord(volume?.emptyDir).medium) === 'Memory';
}
