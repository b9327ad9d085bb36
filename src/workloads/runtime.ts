import { asArray, asString } from '../check/objects.js';
import { parseImage } from '../check/image.js';
import type { ContainerRef } from './model.js';

/** Model servers mlready knows by their images and commands. */
export type RuntimeId =
  | 'custom'
  | 'kserve'
  | 'mlserver'
  | 'nim'
  | 'ray'
  | 'sglang'
  | 'tfserving'
  | 'tgi'
  | 'torchserve'
  | 'triton'
  | 'vllm';

/** Image repositories of model servers (registry included, tag excluded). */
const IMAGE_PATTERNS: [RegExp, RuntimeId][] = [
  [/(^|\/)vllm(-openai)?$|(^|\/)vllm\/|vllm-runtime$|pytorch-vllm-serve$/, 'vllm'],
  [/text-generation-inference/, 'tgi'],
  [/tritonserver/, 'triton'],
  [/torchserve/, 'torchserve'],
  [/tensorflow\/serving|tensorflow-serving/, 'tfserving'],
  [/^nvcr\.io\/nim\//, 'nim'],
  [/(^|\/)sglang$/, 'sglang'],
  [/(^|\/)mlserver$/, 'mlserver'],
  [/(^|\/)ray(-ml|-llm)?$/, 'ray'],
  [
    /(^|\/)(kserve\/)?(sklearnserver|xgbserver|lgbserver|huggingfaceserver|pmmlserver|paddleserver|custom-model)$/,
    'kserve',
  ],
];

/** Commands that start a model server, whatever the image. */
const COMMAND_PATTERNS: [RegExp, RuntimeId][] = [
  [/\bvllm\.entrypoints\b|(^|\s)vllm\s+serve\b|\bdynamo\.vllm\b/, 'vllm'],
  [/\btext-generation-launcher\b/, 'tgi'],
  [/\btritonserver\b/, 'triton'],
  [/\btorchserve\b/, 'torchserve'],
  [/\btensorflow_model_server\b/, 'tfserving'],
  [/\bsglang\.launch_server\b|(^|\s)sglang\s+serve\b/, 'sglang'],
  [/\bmlserver\s+start\b/, 'mlserver'],
  [/(^|\s)serve\s+(run|deploy)\b/, 'ray'],
];

export function runtimeFromImage(image: string | undefined): RuntimeId | undefined {
  if (!image) return undefined;
  const repository = parseImage(image).repository.toLowerCase();
  return IMAGE_PATTERNS.find(([pattern]) => pattern.test(repository))?.[1];
}

export function runtimeFromCommand(container: Record<string, unknown>): RuntimeId | undefined {
  const text = [...asArray(container.command), ...asArray(container.args)].map(String).join(' ');
  return COMMAND_PATTERNS.find(([pattern]) => pattern.test(text))?.[1];
}

const runtimeByContainer = new WeakMap<ContainerRef, RuntimeId | null>();

/** A container's model server: by its image, its command, or what its kind says it runs. */
export function runtimeOfContainer(ref: ContainerRef): RuntimeId | undefined {
  // Asked by many rules for the same container; read once per container of the run.
  let id = runtimeByContainer.get(ref);
  if (id === undefined) {
    id =
      runtimeFromImage(asString(ref.container.image)) ??
      runtimeFromCommand(ref.container) ??
      ref.runtimeHint ??
      null;
    runtimeByContainer.set(ref, id);
  }
  return id ?? undefined;
}
