import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.js';

interface HfTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: unknown[] };
}

/** Largest tokenizer.json read (real ones are 2–20 MB). */
const MAX_TOKENIZER_BYTES = 64 * 1024 * 1024;

/**
 * Exact token counts from a local Hugging Face `tokenizer.json` (and the `tokenizer_config.json`
 * beside it, when there is one), through @huggingface/tokenizers, Hugging Face's pure-JavaScript
 * port of its tokenizers: the same counts the model server's tokenizer gives, without a network
 * call or a native module. Special tokens (BOS, chat template) are not added: the count is of the
 * text itself, like a server's completion_tokens.
 */
export async function loadTokenizer(file: string, shown: string): Promise<(text: string) => number> {
  const read = (path: string, label: string): unknown => {
    try {
      if (statSync(path).size > MAX_TOKENIZER_BYTES)
        throw new InputError(`${label} is larger than ${MAX_TOKENIZER_BYTES / 1024 / 1024} MiB`);
      return JSON.parse(readFileSync(path, 'utf8')) as unknown;
    } catch (error) {
      if (error instanceof InputError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(
        code
          ? `cannot read tokenizer ${label}: ${code}`
          : `${label} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  };
  const json = read(file, shown);
  let config: unknown = {};
  try {
    config = JSON.parse(readFileSync(join(dirname(file), 'tokenizer_config.json'), 'utf8')) as unknown;
  } catch {
    // No tokenizer_config.json beside it: the tokenizer.json alone defines the vocabulary.
  }
  // The package's own .d.ts files use extensionless imports that NodeNext cannot follow: the
  // little used here is typed by hand.
  const { Tokenizer } = (await import('@huggingface/tokenizers')) as unknown as {
    Tokenizer: new (json: unknown, config: unknown) => HfTokenizer;
  };
  let tokenizer: HfTokenizer;
  try {
    tokenizer = new Tokenizer(json, config);
    tokenizer.encode('probe', { add_special_tokens: false });
  } catch (error) {
    throw new InputError(
      `${shown} is not a Hugging Face tokenizer.json this tokenizer library can load: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return (text) => (text === '' ? 0 : tokenizer.encode(text, { add_special_tokens: false }).ids.length);
}
