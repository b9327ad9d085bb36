/** How many parameters a model has, from its name or a table of families, and where that came from. */
export interface ModelSize {
  /** Parameters, in billions. */
  readonly billions: number;
  /** "1.5B in the name", "gpt2: 124M (model card)" */
  readonly source: string;
}

/**
 * Families whose names do not carry a size, from their model cards on Hugging Face. Checked in
 * order, so the more specific name comes first.
 */
const FAMILIES: readonly { pattern: RegExp; billions: number; name: string }[] = [
  { pattern: /mixtral-8x22b/i, billions: 141, name: 'Mixtral 8x22B' },
  { pattern: /mixtral-8x7b/i, billions: 46.7, name: 'Mixtral 8x7B' },
  { pattern: /distilbert/i, billions: 0.066, name: 'DistilBERT' },
  { pattern: /bert-large/i, billions: 0.34, name: 'BERT large' },
  { pattern: /bert-base/i, billions: 0.11, name: 'BERT base' },
  { pattern: /all-minilm-l6/i, billions: 0.0227, name: 'all-MiniLM-L6' },
  { pattern: /gpt2-xl/i, billions: 1.5, name: 'GPT-2 XL' },
  { pattern: /gpt2-large/i, billions: 0.774, name: 'GPT-2 large' },
  { pattern: /gpt2-medium/i, billions: 0.355, name: 'GPT-2 medium' },
  { pattern: /(^|\/)gpt2$/i, billions: 0.124, name: 'GPT-2' },
  { pattern: /t5-small/i, billions: 0.06, name: 'T5 small' },
  { pattern: /t5-base/i, billions: 0.22, name: 'T5 base' },
  { pattern: /t5-large/i, billions: 0.77, name: 'T5 large' },
  { pattern: /phi-2/i, billions: 2.7, name: 'Phi-2' },
  { pattern: /phi-3(\.5)?-mini/i, billions: 3.8, name: 'Phi-3 mini' },
  { pattern: /phi-3-small/i, billions: 7, name: 'Phi-3 small' },
  { pattern: /phi-3-medium/i, billions: 14, name: 'Phi-3 medium' },
  { pattern: /gpt-j/i, billions: 6, name: 'GPT-J' },
  { pattern: /(^|\/)bloom$/i, billions: 176, name: 'BLOOM' },
  { pattern: /(^|\/)falcon-?180/i, billions: 180, name: 'Falcon 180B' },
];

/** `8x7B`, `1.5B`, `7b`, `70B`, `135M`, `560m` between separators (not `A3B` or `v1.5`). */
const SIZE = /(?:^|[-_/.:])(?:(\d+)x)?(\d+(?:\.\d+)?)([bBmM])(?=$|[-_/.:])/g;

/**
 * Every family's pattern in one: a reference that matches none (most of them) is told so by one
 * test instead of one per family. Each pattern is an alternative of its own, so this matches exactly
 * where one of them does.
 */
const ANY_FAMILY = new RegExp(FAMILIES.map((f) => `(?:${f.pattern.source})`).join('|'), 'i');

/** The parameter count a model reference names, or undefined when neither its name nor the table says. */
export function modelSizeOf(reference: string): ModelSize | undefined {
  const family = ANY_FAMILY.test(reference) ? FAMILIES.find((f) => f.pattern.test(reference)) : undefined;
  if (family)
    return {
      billions: family.billions,
      source: `${family.name}: ${formatBillions(family.billions)} parameters (model card)`,
    };
  if (!digitBeforeUnit(reference)) return undefined;
  let best: { billions: number; text: string } | undefined;
  // exec() on the one global pattern rather than matchAll(), which copies the pattern at every call
  // (the pattern cannot match an empty string, so lastIndex always moves on).
  SIZE.lastIndex = 0;
  for (let match = SIZE.exec(reference); match !== null; match = SIZE.exec(reference)) {
    const experts = match[1] ? Number(match[1]) : 1;
    const unit = match[3]!.toLowerCase() === 'b' ? 1 : 1e-3;
    const billions = experts * Number(match[2]) * unit;
    if (!best || billions > best.billions) best = { billions, text: match[0].replace(/^[-_/.:]/, '') };
  }
  return best ? { billions: best.billions, source: `${best.text} in the name` } : undefined;
}

export function formatBillions(billions: number): string {
  return billions >= 1
    ? `${Number(billions.toPrecision(3))}B`
    : `${Number((billions * 1000).toPrecision(3))}M`;
}

/**
 * Whether a digit stands right before a b, B, m or M somewhere: SIZE needs one, and most references
 * (storage URIs, plain names) have none, so one pass over the characters spares them the pattern.
 */
function digitBeforeUnit(reference: string): boolean {
  for (let i = 1; i < reference.length; i++) {
    // `| 0x20` lower-cases the two letters (and maps no other character onto them).
    const letter = reference.charCodeAt(i) | 0x20;
    if (letter !== 0x62 && letter !== 0x6d) continue;
    const before = reference.charCodeAt(i - 1);
    if (before >= 0x30 && before <= 0x39) return true;
  }
  return false;
}
