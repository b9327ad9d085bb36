import { UsageError } from '../errors.js';

export const PROTOCOLS = ['openai', 'kserve-v2', 'tfserving', 'torchserve', 'http'] as const;
export type LoadProtocol = (typeof PROTOCOLS)[number];

export interface PreparedRequest {
  method: 'POST' | 'GET';
  path: string;
  body: string | undefined;
  headers: Record<string, string>;
  /** OpenAI streaming: parse Server-Sent Events and time the tokens. */
  stream: boolean;
  /** Estimated output tokens when the server reports no usage (non-streaming). */
  expectTokens: boolean;
  /** Prompt tokens counted by the tokenizer (`--tokenizer`), used when the server reports no usage. */
  inputTokens?: number | undefined;
  /** The prompt text (prompt, or every message's content), for counting input tokens. */
  inputText?: string | undefined;
}

export interface RequestTarget {
  protocol: LoadProtocol;
  /** Path of the URL as given ("/" when none). */
  path: string;
  /** Model name in the URL (kserve-v2, tfserving, torchserve) and the OpenAI "model" field. */
  model: string;
  /** OpenAI: chat/completions or completions. */
  endpoint: 'chat' | 'completions';
  stream: boolean;
  headers: Record<string, string>;
}

/** The URL path a protocol posts to, unless the URL already names one. */
export function pathFor(target: RequestTarget): string {
  if (target.path !== '/' && target.path !== '') return target.path;
  const m = encodeURIComponent(target.model);
  switch (target.protocol) {
    case 'openai':
      return target.endpoint === 'chat' ? '/v1/chat/completions' : '/v1/completions';
    case 'kserve-v2':
      return `/v2/models/${m}/infer`;
    case 'tfserving':
      return `/v1/models/${m}:predict`;
    case 'torchserve':
      return `/predictions/${m}`;
    default:
      return '/';
  }
}

/**
 * Turns one payload into a request. For OpenAI a payload is either a full request body or
 * `{ prompt, maxTokens }`; streaming asks the server to report usage in the last chunk
 * (stream_options.include_usage), so token counts are the server's, not estimates.
 */
export function prepare(
  target: RequestTarget,
  payload: unknown,
  countTokens?: (text: string) => number,
): PreparedRequest {
  const headers = { 'content-type': 'application/json', ...target.headers };
  const path = pathFor(target);
  if (target.protocol !== 'openai') {
    return {
      method: 'POST',
      path,
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
      headers,
      stream: false,
      expectTokens: false,
    };
  }
  const p = (payload ?? {}) as { prompt?: string; maxTokens?: number; messages?: unknown; model?: string };
  let body: Record<string, unknown>;
  if (p.messages !== undefined || (p as { prompt?: unknown }).prompt === undefined) {
    body = { model: target.model, ...(payload as Record<string, unknown>) };
  } else {
    const prompt = p.prompt ?? 'Hello';
    body =
      target.endpoint === 'chat'
        ? {
            model: target.model,
            messages: [{ role: 'user', content: prompt }],
            max_tokens: p.maxTokens ?? 128,
          }
        : { model: target.model, prompt, max_tokens: p.maxTokens ?? 128 };
  }
  if (target.stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  const inputText = promptTextOf(body);
  return {
    method: 'POST',
    path,
    body: JSON.stringify(body),
    headers,
    stream: target.stream,
    expectTokens: true,
    inputText,
    inputTokens: inputText !== undefined && countTokens ? countTokens(inputText) : undefined,
  };
}

/** Content text of one OpenAI response or stream chunk (chat delta, chat message, or completion text). */
export function contentOf(chunk: unknown): string {
  const choice = (
    chunk as {
      choices?: { delta?: { content?: unknown }; message?: { content?: unknown }; text?: unknown }[];
    }
  ).choices?.[0];
  const value = choice?.delta?.content ?? choice?.message?.content ?? choice?.text;
  return typeof value === 'string' ? value : '';
}

/** The server's token counts (OpenAI `usage`), when it sends them. */
export function usageOf(chunk: unknown): { output?: number; input?: number } | undefined {
  const usage = (chunk as { usage?: { completion_tokens?: unknown; prompt_tokens?: unknown } | null }).usage;
  if (!usage) return undefined;
  const output = typeof usage.completion_tokens === 'number' ? usage.completion_tokens : undefined;
  const input = typeof usage.prompt_tokens === 'number' ? usage.prompt_tokens : undefined;
  return output === undefined && input === undefined
    ? undefined
    : { ...(output !== undefined ? { output } : {}), ...(input !== undefined ? { input } : {}) };
}

/** The text a request asks about: its prompt, or the content of every message. */
export function promptTextOf(body: Record<string, unknown>): string | undefined {
  if (typeof body.prompt === 'string') return body.prompt;
  if (!Array.isArray(body.messages)) return undefined;
  return (body.messages as { content?: unknown }[])
    .map((m) =>
      typeof m.content === 'string'
        ? m.content
        : Array.isArray(m.content)
          ? (m.content as { text?: unknown }[])
              .map((p) => (typeof p.text === 'string' ? p.text : ''))
              .join('')
          : '',
    )
    .join('\n');
}

/**
 * Checks a non-streaming response body has the protocol's shape; returns why not.
 * KServe v2: https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */
export function validateResponse(protocol: LoadProtocol, body: unknown): string | undefined {
  const record = body as Record<string, unknown> | null;
  switch (protocol) {
    case 'openai':
      return Array.isArray(record?.choices) ? undefined : 'no "choices" in the response';
    case 'kserve-v2':
      return Array.isArray(record?.outputs) ? undefined : 'no "outputs" in the response';
    case 'tfserving':
      return record && ('predictions' in record || 'outputs' in record)
        ? undefined
        : 'no "predictions" in the response';
    default:
      return undefined;
  }
}

/**
 * A rough token count for text when the server gives none and no tokenizer is given: about four characters
 * per token.
 */
export function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.max(1, Math.round(text.length / 4));
}

export function assertProtocol(value: string): LoadProtocol {
  if (!(PROTOCOLS as readonly string[]).includes(value))
    throw new UsageError(`unknown protocol "${value}"; choose one of ${PROTOCOLS.join(', ')}`);
  return value as LoadProtocol;
}
