import { UsageError } from '../errors.js';

/** Gives the i-th payload: inline, from a JSON/JSONL file (in order or sampled), or synthetic prompts. */
export type PayloadSource = (i: number) => unknown;

const SYNTHETIC_TEXT =
  'the model serves requests under load while latency and throughput are measured against the service level objective';
const WORDS = SYNTHETIC_TEXT.split(' ');

/** A length distribution: "128" (fixed), "uniform:64-256" or "normal:128,32". */
export function parseLengths(spec: string, random: () => number): () => number {
  if (/^\d+$/.test(spec)) return () => Number(spec);
  let m = /^uniform:(\d+)-(\d+)$/.exec(spec);
  if (m) {
    const [lo, hi] = [Number(m[1]), Number(m[2])];
    return () => lo + Math.floor(random() * (hi - lo + 1));
  }
  m = /^normal:(\d+),(\d+)$/.exec(spec);
  if (m) {
    const [mean, sd] = [Number(m[1]), Number(m[2])];
    return () =>
      Math.max(
        1,
        Math.round(
          mean + sd * Math.sqrt(-2 * Math.log(Math.max(random(), 1e-12))) * Math.cos(2 * Math.PI * random()),
        ),
      );
  }
  throw new UsageError(`invalid length "${spec}": use 128, uniform:64-256 or normal:128,32`);
}

/** Synthetic prompts of about `input` tokens (one word ≈ one token) asking for `output` tokens. */
export function syntheticPayloads(input: () => number, output: () => number): PayloadSource {
  return (i) => {
    const n = input();
    const words = Array.from({ length: n }, (_, k) => WORDS[(i + k) % WORDS.length]);
    return { prompt: `Request ${i}: ${words.join(' ')}`, maxTokens: output() };
  };
}

/** A seeded PRNG (mulberry32): the same seed gives the same arrivals, samples and prompts. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
