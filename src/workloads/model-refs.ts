import { asArray, asRecord, asString, getPath, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { ContainerRef, ModelRef, Workload } from './model.js';
import { at } from './pods.js';

/** Env vars that name the model a server loads. */
const MODEL_ENV =
  /^(MODEL(_ID|_NAME|_PATH|_URI|_URL|_DIR)?|STORAGE_URI|HF_MODEL_ID|MODEL_REPOSITORY|WEIGHTS_(URI|PATH))$/;
/** Flags that name the model (vLLM, TGI, Triton, TorchServe, TF Serving, SGLang). */
const MODEL_FLAGS =
  /^--(model|model-id|model-repository|model-store|model_base_path|model-path|model-uri)(=(.*))?$/;
/** Flags and env vars that pin a Hugging Face revision. */
const REVISION_FLAG = /^--(revision|code-revision)(=(.*))?$/;
const REVISION_ENV = /^(REVISION|MODEL_REVISION|HF_REVISION)$/;
/** vLLM's LoRA adapters: `--lora-modules name=path …` or JSON `{"name": …, "path": …}` per module. */
const LORA_FLAG = /^--lora-modules(=(.*))?$/;

/**
 * The models a container loads, from its flags (`--model X`, `--model=X`, `vllm serve X`, also
 * inside a `sh -c` script) and env vars (MODEL_ID, HF_MODEL_ID, STORAGE_URI, …), with a revision
 * pinned by --revision or REVISION. `--model=$(MODEL_ID)` is the env var's value, reported once at
 * the env var.
 */
export function modelRefsOfContainer(ref: ContainerRef): readonly ModelRef[] {
  // Without env, command or args a container names no model: no Map, Set, list or WeakMap entry
  // for it (most supporting and many serving containers), kept until the run ends.
  const { env, command, args } = ref.container;
  if (isEmptyList(env) && isEmptyList(command) && isEmptyList(args)) return NO_REFS;
  // Asked by the load-time estimate and by rules for the same containers: read once per container.
  let refs = refsByContainer.get(ref);
  if (!refs) refsByContainer.set(ref, (refs = Object.freeze(readModelRefsOfContainer(ref))));
  return refs;
}

const refsByContainer = new WeakMap<ContainerRef, readonly ModelRef[]>();

const NO_REFS: readonly ModelRef[] = Object.freeze([]);

/** Absent, not a list (read as none, as asArray reads it), or an empty list. */
function isEmptyList(value: unknown): boolean {
  return !Array.isArray(value) || value.length === 0;
}

function readModelRefsOfContainer(ref: ContainerRef): ModelRef[] {
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
  const adapters: { value: string; path: YamlPath }[] = [];
  const command = asArray(ref.container.command).map(String);
  for (const field of ['command', 'args'] as const) {
    const list = asArray(ref.container[field]).map(String);
    // `command: [vllm]` with `args: [serve, <id>]` is the same positional form.
    const before = field === 'args' ? command.at(-1) : undefined;
    let inLora = false;
    list.forEach((arg, i) => {
      // A JSON LoRA module is one argument, spaces and all.
      const tokens = arg.includes(' ') && !arg.startsWith('{') ? arg.split(/\s+/).filter(Boolean) : [arg];
      const inScript = tokens.length > 1;
      const next = (j: number) => (inScript ? tokens[j + 1] : list[i + 1]);
      tokens.forEach((token, j) => {
        const flag = MODEL_FLAGS.exec(token);
        const rev = REVISION_FLAG.exec(token);
        if (rev) revision = rev[3] ?? next(j) ?? revision;
        const lora = LORA_FLAG.exec(token);
        if (lora || token.startsWith('-')) inLora = lora !== null;
        const module = lora?.[2] ?? (inLora && !lora ? token : undefined);
        const adapter = module === undefined ? undefined : loraPath(module);
        if (adapter) adapters.push({ value: adapter, path: [field, i] });
        const previous = inScript ? tokens[j - 1] : i > 0 ? list[i - 1] : before;
        const positional = token === 'serve' && previous !== undefined && /(^|\/)vllm$/.test(previous);
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
  // --revision pins the base model only: vLLM fetches each adapter at its repository's head.
  for (const { value, path } of adapters)
    refs.push({ reference: value, source: 'lora', revision: undefined, at: ref.at(...path), container: ref });
  return refs;
}

/** The adapter path of one `--lora-modules` entry: `name=path` or `{"name": …, "path": …}`. */
function loraPath(module: string): string | undefined {
  const text = module.replace(/^['"]|['"]$/g, '');
  if (text.startsWith('{')) {
    try {
      return asString(asRecord(JSON.parse(text)).path);
    } catch {
      return /"path"\s*:\s*"([^"]+)"/.exec(text)?.[1];
    }
  }
  const eq = text.indexOf('=');
  return eq > 0 ? text.slice(eq + 1) : undefined;
}

/**
 * The models a container reads from ConfigMaps of the input: `valueFrom.configMapKeyRef` on a
 * model env var (MODEL_ID, HF_MODEL_ID, …) and every such key of an `envFrom` ConfigMap, reported
 * at the ConfigMap's key. A revision may come from the same places or the container's own env.
 */
export function configMapModelRefsOf(ref: ContainerRef, configMaps: readonly K8sObject[]): ModelRef[] {
  // Objects without a namespace land in the one they are applied to: they match any.
  const namespace = ref.workload.namespace;
  const find = (name: string | undefined) =>
    configMaps.find(
      (cm) =>
        cm.name === name &&
        (cm.namespace === undefined || namespace === undefined || cm.namespace === namespace),
    );
  const found: { name: string; value: string; configMap: K8sObject; key: string }[] = [];
  for (const e of asArray(ref.container.envFrom).map(asRecord)) {
    const configMap = find(asString(asRecord(e.configMapRef).name));
    if (!configMap) continue;
    const prefix = asString(e.prefix) ?? '';
    for (const [key, value] of Object.entries(asRecord(getPath(configMap.raw, ['data']))))
      if (typeof value === 'string') found.push({ name: prefix + key, value, configMap, key });
  }
  for (const e of asArray(ref.container.env).map(asRecord)) {
    const keyRef = asRecord(getPath(e, ['valueFrom', 'configMapKeyRef']));
    const configMap = find(asString(keyRef.name));
    const key = asString(keyRef.key);
    const name = asString(e.name);
    const value = key === undefined ? undefined : getPath(configMap?.raw, ['data', key]);
    if (configMap && key && name && typeof value === 'string') found.push({ name, value, configMap, key });
  }
  const literal = new Map(
    asArray(ref.container.env)
      .map(asRecord)
      .map((e) => [asString(e.name), asString(e.value)] as const),
  );
  let revision = [...literal].find(([name, value]) => name && REVISION_ENV.test(name) && value)?.[1];
  revision ??= found.find((f) => REVISION_ENV.test(f.name))?.value;
  const seen = new Set<string>();
  return found
    .filter((f) => MODEL_ENV.test(f.name) && !literal.get(f.name) && !f.value.includes('$'))
    .filter((f) => !seen.has(`${f.configMap.ref}/${f.key}`) && seen.add(`${f.configMap.ref}/${f.key}`))
    .map((f) => ({
      reference: f.value,
      source: 'configMap',
      revision,
      at: at(f.configMap, ['data', f.key]),
      container: ref,
    }));
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
export function modelRefsOf(workload: Workload): readonly ModelRef[] {
  let refs = refsByWorkload.get(workload);
  if (!refs) {
    const all = [...workload.models];
    for (const t of workload.templates) {
      for (const c of t.initContainers) all.push(...modelRefsOfContainer(c));
      for (const c of t.containers) all.push(...modelRefsOfContainer(c));
    }
    refsByWorkload.set(workload, (refs = all.length === 0 ? NO_REFS : Object.freeze(all)));
  }
  return refs;
}

/** Read once per workload of the run (the estimate and two rules ask); frozen, as it is shared. */
const refsByWorkload = new WeakMap<Workload, readonly ModelRef[]>();
