import { asArray, asRecord, asString } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { ContainerRef, ModelRef, Workload } from './model.js';

/** Env vars that name the model a server loads. */
const MODEL_ENV =
  /^(MODEL(_ID|_NAME|_PATH|_URI|_URL|_DIR)?|STORAGE_URI|HF_MODEL_ID|MODEL_REPOSITORY|WEIGHTS_(URI|PATH))$/;
/** Flags that name the model (vLLM, TGI, Triton, TorchServe, TF Serving, SGLang). */
const MODEL_FLAGS =
  /^--(model|model-id|model-repository|model-store|model_base_path|model-path|model-uri)(=(.*))?$/;
/** Flags and env vars that pin a Hugging Face revision. */
const REVISION_FLAG = /^--(revision|code-revision)(=(.*))?$/;
const REVISION_ENV = /^(REVISION|MODEL_REVISION|HF_REVISION)$/;

/**
 * The models a container loads, from its flags (`--model X`, `--model=X`, `vllm serve X`, also
 * inside a `sh -c` script) and env vars (MODEL_ID, HF_MODEL_ID, STORAGE_URI, …), with a revision
 * pinned by --revision or REVISION. `--model=$(MODEL_ID)` is the env var's value, reported once at
 * the env var.
 */
export function modelRefsOfContainer(ref: ContainerRef): ModelRef[] {
  const env = new Map<string, { value: string; index: number }>();
  asArray(ref.container.env).forEach((e, i) => {
    const entry = asRecord(e);
    const name = asString(entry.name);
    const value = asString(entry.value);
    if (name && value !== undefined) env.set(name, { value, index: i });
  });
  const refs: ModelRef[] = [];
  let revision: string | undefined;
  for (const [name, { value }] of env) if (REVISION_ENV.test(name)) revision = value;
  const fromArgs: { value: string; path: YamlPath }[] = [];
  for (const field of ['command', 'args'] as const) {
    const list = asArray(ref.container[field]).map(String);
    list.forEach((arg, i) => {
      const tokens = arg.includes(' ') ? arg.split(/\s+/).filter(Boolean) : [arg];
      const inScript = tokens.length > 1;
      const next = (j: number) => (inScript ? tokens[j + 1] : list[i + 1]);
      tokens.forEach((token, j) => {
        const flag = MODEL_FLAGS.exec(token);
        const rev = REVISION_FLAG.exec(token);
        if (rev) revision = rev[3] ?? next(j) ?? revision;
        const positional = token === 'serve' && (inScript ? tokens[j - 1] : list[i - 1]) === 'vllm';
        if (!flag && !positional) return;
        const value = flag?.[3] ?? next(j);
        if (!value || value.startsWith('-')) return;
        const at: YamlPath = [field, flag?.[3] !== undefined || inScript ? i : i + 1];
        fromArgs.push({ value: value.replace(/^['"]|['"]$/g, ''), path: at });
      });
    });
  }
  const seenEnv = new Set<string>();
  for (const { value, path } of fromArgs) {
    const variable = /^\$\((\w+)\)$/.exec(value)?.[1];
    if (variable) {
      const hit = env.get(variable);
      if (hit && !seenEnv.has(variable)) {
        seenEnv.add(variable);
        refs.push(modelRef(ref, hit.value, 'env', revision, ['env', hit.index, 'value']));
      }
      continue;
    }
    if (value.includes('$')) continue;
    refs.push(modelRef(ref, value, 'args', revision, path));
  }
  for (const [name, { value, index }] of env) {
    if (!MODEL_ENV.test(name) || seenEnv.has(name) || value.includes('$')) continue;
    seenEnv.add(name);
    refs.push(modelRef(ref, value, 'env', revision, ['env', index, 'value']));
  }
  return refs;
}

function modelRef(
  ref: ContainerRef,
  reference: string,
  source: 'args' | 'env',
  revision: string | undefined,
  field: YamlPath,
): ModelRef {
  return { reference, source, revision, at: ref.at(...field), container: ref };
}

/** Every model a workload names: its kind's own fields, then each container's flags and env. */
export function modelRefsOf(workload: Workload): ModelRef[] {
  const containerRefs = workload.templates.flatMap((t) =>
    [...t.initContainers, ...t.containers].flatMap(modelRefsOfContainer),
  );
  return [...workload.models, ...containerRefs];
}
