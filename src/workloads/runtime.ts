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

/**
 * Any of the patterns, as one expression: most images and commands are no known model server, and one
 * test answers that instead of ten (the patterns have no flags, anchors that span alternatives or
 * back-references, so the union matches exactly when one of them does).
 */
function anyOf(patterns: readonly (readonly [RegExp, RuntimeId])[]): RegExp {
  return new RegExp(patterns.map(([pattern]) => `(?:${pattern.source})`).join('|'));
}

const ANY_IMAGE = anyOf(IMAGE_PATTERNS);
const ANY_COMMAND = anyOf(COMMAND_PATTERNS);

/** The id of the first pattern that matches, in order (index loop: no closure per call). */
function firstMatch(
  patterns: readonly (readonly [RegExp, RuntimeId])[],
  text: string,
): RuntimeId | undefined {
  for (let i = 0; i < patterns.length; i++) if (patterns[i]![0].test(text)) return patterns[i]![1];
  return undefined;
}

export function runtimeFromImage(image: string | undefined): RuntimeId | undefined {
  if (!image) return undefined;
  const repository = parseImage(image).repository.toLowerCase();
  return ANY_IMAGE.test(repository) ? firstMatch(IMAGE_PATTERNS, repository) : undefined;
}

export function runtimeFromCommand(container: Record<string, unknown>): RuntimeId | undefined {
  const command = asArray(container.command);
  const args = asArray(container.args);
  // No command and no args is an empty text, which no pattern matches.
  if (command.length === 0 && args.length === 0) return undefined;
  const text = joined(command, args);
  return ANY_COMMAND.test(text) ? firstMatch(COMMAND_PATTERNS, text) : undefined;
}

/** `[...command, ...args].map(String).join(' ')` without the spread, the mapped copy or the iterators. */
function joined(command: readonly unknown[], args: readonly unknown[]): string {
  let text = '';
  for (let i = 0; i < command.length; i++) text += (i === 0 ? '' : ' ') + String(command[i]);
  for (let i = 0; i < args.length; i++)
    text += (i === 0 && command.length === 0 ? '' : ' ') + String(args[i]);
  return text;
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
