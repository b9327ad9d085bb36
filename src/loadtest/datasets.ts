import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.js';
import { estimateTokens } from './protocols.js';
import type { PayloadSource } from './payloads.js';

/** Largest dataset read into memory (ShareGPT's cleaned split is about 670 MB). */
export const MAX_DATASET_BYTES = 1024 * 1024 * 1024;

/** The small prompt set bundled with mlready, for runs without a dataset of their own. */
export const BUILTIN_DATASET = fileURLToPath(new URL('../../data/loadtest-prompts.jsonl', import.meta.url));

interface Message {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface DatasetOptions {
  /** Pick requests at random instead of in order. */
  sample: boolean;
  random: () => number;
  /** chat sends messages; completions sends the conversation as one prompt. */
  endpoint: 'chat' | 'completions';
  /** Counts the reference reply's tokens for max_tokens (else about four characters a token). */
  countTokens?: ((text: string) => number) | undefined;
}

/**
 * Requests from a JSON array or JSONL file. Each item is one of:
 * - a ShareGPT conversation, `{"conversations": [{"from": "human"|"gpt"|"system", "value": …}]}`;
 * - an OpenAI-messages conversation, `{"messages": [{"role": …, "content": …}]}`;
 * - anything else: a request body as it is (or `{prompt, maxTokens}` for OpenAI).
 * A conversation with several user turns becomes one request per turn, each carrying the turns
 * before it with the dataset's own replies as history (so turn 3 sends what a real client would);
 * max_tokens is the length of the dataset's reply to that turn, as vLLM's benchmark does.
 */
export function loadDataset(file: string, shown: string, options: DatasetOptions): PayloadSource {
  const items = readItems(file, shown);
  const requests: unknown[] = [];
  items.forEach(({ value, line }) => {
    const conversation = conversationOf(value, shown, line);
    if (!conversation) requests.push(value);
    else requests.push(...turnsOf(conversation, options));
  });
  if (requests.length === 0) throw new InputError(`${shown} holds no requests`);
  return options.sample
    ? () => requests[Math.floor(options.random() * requests.length)]
    : (i) => requests[i % requests.length];
}

function readItems(file: string, shown: string): { value: unknown; line: number }[] {
  let text: string;
  try {
    if (statSync(file).size > MAX_DATASET_BYTES)
      throw new InputError(`${shown} is larger than ${MAX_DATASET_BYTES / 1024 / 1024} MiB`);
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      `cannot read payload file ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  if (file.endsWith('.jsonl') || file.endsWith('.ndjson')) {
    const out: { value: unknown; line: number }[] = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push({ value: JSON.parse(line) as unknown, line: i + 1 });
      } catch {
        throw new InputError(`${shown}:${i + 1}: not valid JSON`);
      }
    });
    return out;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InputError(
      `${shown} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const items: unknown[] = Array.isArray(parsed) ? (parsed as unknown[]) : [parsed];
  return items.map((value) => ({ value, line: 0 }));
}

const SHAREGPT_ROLES: Record<string, Message['role']> = {
  human: 'user',
  user: 'user',
  gpt: 'assistant',
  chatgpt: 'assistant',
  assistant: 'assistant',
  bard: 'assistant',
  bing: 'assistant',
  system: 'system',
};

/** The conversation in an item, or undefined when the item is a plain request body. */
function conversationOf(value: unknown, shown: string, line: number): Message[] | undefined {
  const item = value as { conversations?: unknown; messages?: unknown; model?: unknown } | null;
  if (!item || typeof item !== 'object') return undefined;
  const where = line > 0 ? `${shown}:${line}` : shown;
  if (Array.isArray(item.conversations)) {
    return (item.conversations as { from?: unknown; value?: unknown }[]).map((turn, i) => {
      const role = typeof turn.from === 'string' ? SHAREGPT_ROLES[turn.from.toLowerCase()] : undefined;
      if (!role || typeof turn.value !== 'string')
        throw new InputError(
          `${where}: conversations[${i}] needs "from" (human, gpt, system) and a string "value"`,
        );
      return { role, content: turn.value };
    });
  }
  // A messages array with nothing else that makes it a request body (no model, no options).
  if (Array.isArray(item.messages) && Object.keys(item).every((k) => k === 'messages' || k === 'id')) {
    return (item.messages as { role?: unknown; content?: unknown }[]).map((m, i) => {
      if (
        (m.role !== 'system' && m.role !== 'user' && m.role !== 'assistant') ||
        typeof m.content !== 'string'
      )
        throw new InputError(
          `${where}: messages[${i}] needs a role (system, user, assistant) and a string content`,
        );
      return { role: m.role, content: m.content };
    });
  }
  return undefined;
}

/** One request per user turn, with the conversation so far as history. */
function turnsOf(conversation: Message[], options: DatasetOptions): unknown[] {
  const requests: unknown[] = [];
  conversation.forEach((message, i) => {
    if (message.role !== 'user') return;
    const history = conversation.slice(0, i + 1);
    const reply = conversation[i + 1]?.role === 'assistant' ? conversation[i + 1]!.content : undefined;
    const maxTokens =
      reply === undefined
        ? undefined
        : Math.max(1, options.countTokens ? options.countTokens(reply) : estimateTokens(reply));
    requests.push(
      options.endpoint === 'chat'
        ? { messages: history, ...(maxTokens ? { max_tokens: maxTokens } : {}) }
        : {
            prompt: history.map((m) => m.content).join('\n'),
            ...(maxTokens ? { maxTokens } : {}),
          },
    );
  });
  return requests;
}
