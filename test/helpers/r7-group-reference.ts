// The sixth round's versions of the functions the seventh round's grouping branch reshaped, kept as
// test oracles only (test/r7-group-fast-paths.test.ts compares the new code with them).
import { asArray, stringMap } from '../../src/check/objects.js';
import { parseImage } from '../../src/check/image.js';
import type { RuntimeId } from '../../src/workloads/runtime.js';

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

export function referenceRuntimeFromImage(image: string | undefined): RuntimeId | undefined {
  if (!image) return undefined;
  const repository = parseImage(image).repository.toLowerCase();
  return IMAGE_PATTERNS.find(([pattern]) => pattern.test(repository))?.[1];
}

export function referenceRuntimeFromCommand(container: Record<string, unknown>): RuntimeId | undefined {
  const text = [...asArray(container.command), ...asArray(container.args)].map(String).join(' ');
  return COMMAND_PATTERNS.find(([pattern]) => pattern.test(text))?.[1];
}

/** podTemplate's labels when the controller adds some (KubeRay, Knative, LWS). */
export function referenceControllerLabels(
  controllerLabels: Record<string, string>,
  labels: unknown,
): Record<string, string> {
  return { ...controllerLabels, ...stringMap(labels) };
}
