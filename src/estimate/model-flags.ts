import { asArray, asRecord, asString } from '../check/objects.js';
import type { ContainerRef } from '../workloads/model.js';

/** The container's command and args as tokens (a `sh -c` script split on whitespace). */
export function tokensOf(ref: ContainerRef): readonly string[] {
  // Asked several times per serving container (precision, shards, eager mode, a rule): split once per
  // container of a run. Frozen, as the list is shared.
  let tokens = tokensByContainer.get(ref);
  if (!tokens) tokensByContainer.set(ref, (tokens = Object.freeze(splitTokens(ref))));
  return tokens;
}

const tokensByContainer = new WeakMap<ContainerRef, readonly string[]>();

/**
 * tokensOf's list, built in one loop: each argument as a string, split on whitespace, empty pieces
 * dropped, then one leading and one trailing quote taken off each piece (which may leave it empty).
 */
export function splitTokens(ref: ContainerRef): string[] {
  const tokens: string[] = [];
  for (const list of [asArray(ref.container.command), asArray(ref.container.args)])
    for (const arg of list)
      for (const piece of String(arg).split(WHITESPACE)) {
        if (piece === '') continue;
        let start = 0;
        let end = piece.length;
        if (isQuote(piece.charCodeAt(0))) start = 1;
        if (end > start && isQuote(piece.charCodeAt(end - 1))) end--;
        tokens.push(start === 0 && end === piece.length ? piece : piece.slice(start, end));
      }
  return tokens;
}

const WHITESPACE = /\s+/;

/** ' or ". */
function isQuote(code: number): boolean {
  return code === 39 || code === 34;
}

/** The value of a flag: `--name value` or `--name=value`, the last one given. */
export function flagValue(tokens: readonly string[], ...names: string[]): string | undefined {
  let value: string | undefined;
  // A loop, with each `name=` built once per call instead of once per token and name.
  const prefixes = names.map((name) => `${name}=`);
  // Flags start with "-": where every name does, other tokens (most of them) match none.
  const dashed = names.every((name) => name.startsWith('-'));
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    if (dashed && !token.startsWith('-')) continue;
    const next = tokens[i + 1];
    for (let n = 0; n < names.length; n++) {
      if (token === names[n] && next !== undefined && !next.startsWith('-')) value = next;
      else if (token.startsWith(prefixes[n]!)) value = token.slice(prefixes[n]!.length);
    }
  }
  return value;
}

export function envValue(ref: ContainerRef, name: string): string | undefined {
  for (const e of asArray(ref.container.env)) {
    const entry = asRecord(e);
    if (asString(entry.name) === name) return asString(entry.value);
  }
  return undefined;
}

/** Bytes per parameter of the checkpoint a container downloads, and why. */
export function checkpointPrecision(
  ref: ContainerRef | undefined,
  reference: string,
): { bytes: number; source: string } | undefined {
  const tokens = ref ? tokensOf(ref) : [];
  // AWQ and GPTQ load pre-quantized 4-bit checkpoints; fp8 and bitsandbytes quantize bf16 weights
  // on the fly, so the download stays 2 bytes a parameter.
  const quant = (
    flagValue(tokens, '--quantization', '-q') ??
    flagValue(tokens, '--quantize') ??
    (ref ? envValue(ref, 'QUANTIZE') : undefined) ??
    ''
  ).toLowerCase();
  if (/^(awq|gptq)/.test(quant) || /marlin/.test(quant))
    return { bytes: 0.5, source: `--quantization ${quant}: 4-bit` };
  const profile = ref ? (envValue(ref, 'NIM_MODEL_PROFILE') ?? '').toLowerCase() : '';
  if (/int4|awq/.test(profile)) return { bytes: 0.5, source: 'NIM profile int4' };
  if (/fp8/.test(profile)) return { bytes: 1, source: 'NIM profile fp8' };
  if (/(^|[-_])(awq|gptq|int4|4bit|w4a16|nf4)([-_]|$)/i.test(reference))
    return { bytes: 0.5, source: '4-bit checkpoint by its name' };
  if (/(^|[-_])(fp8|int8|8bit|w8a8)([-_]|$)/i.test(reference))
    return { bytes: 1, source: '8-bit checkpoint by its name' };
  const dtype = (flagValue(tokens, '--dtype') ?? '').toLowerCase();
  if (dtype === 'float32' || dtype === 'float') return { bytes: 4, source: '--dtype float32' };
  return undefined;
}

/** GPUs a model is sharded over: tensor × pipeline parallel size (TGI --num-shard or NUM_SHARD). */
export function shardsOf(ref: ContainerRef | undefined): { count: number; source: string } {
  const tokens = ref ? tokensOf(ref) : [];
  const tp = Number(
    flagValue(tokens, '--tensor-parallel-size', '-tp', '--tp', '--tp-size', '--num-shard') ??
      (ref ? envValue(ref, 'NUM_SHARD') : undefined) ??
      1,
  );
  const pp = Number(flagValue(tokens, '--pipeline-parallel-size', '-pp', '--pp-size') ?? 1);
  const count = (Number.isInteger(tp) && tp > 0 ? tp : 1) * (Number.isInteger(pp) && pp > 0 ? pp : 1);
  return { count, source: count > 1 ? `${count} GPUs (tensor × pipeline parallel)` : '1 GPU' };
}
