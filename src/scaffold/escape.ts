/**
 * One quoting function per target language of the scaffold. Every value a template prints goes
 * through the one that fits where it lands (see contextual escaping in render.ts), so a value can
 * never end its field: a newline, a quote, `$(…)` or `{{` is data in the output, not syntax.
 */
/* eslint-disable no-control-regex -- these patterns exist to find control characters */
import { parse, stringify } from 'yaml';

/** Characters that YAML 1.1 readers (go-yaml, so Kubernetes) or shells treat as line breaks or hide. */
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g;
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/;

const unicodeEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A JSON string literal that is also a valid YAML double-quoted scalar and a Python string literal:
 * JSON.stringify, plus \u escapes for the characters YAML 1.1 reads as line breaks (NEL, LS, PS).
 */
export function quoteJson(value: string): string {
  return JSON.stringify(value).replace(INVISIBLE, unicodeEscape);
}

/** Any JSON value written as JSON that YAML and Python read the same way (U+2028 and friends escaped). */
export function toJson(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(INVISIBLE, unicodeEscape);
}

const YAML_OPTIONS = { version: '1.1', lineWidth: 0, blockQuote: false } as const;

/**
 * A YAML scalar for a string: plain when YAML 1.1 and 1.2 both read it back as the same string
 * (so `llm-chat` stays unquoted), double-quoted otherwise (`"yes"`, `"2026-10-01"`, `"a: b"`).
 */
export function quoteYaml(value: string): string {
  const plain = stringify(value, YAML_OPTIONS).trimEnd();
  if (
    !plain.startsWith('"') &&
    !plain.startsWith("'") &&
    !plain.includes('\n') &&
    !CONTROL.test(plain) &&
    plain.trim() === plain &&
    parse(plain, { version: '1.1' }) === value &&
    parse(plain) === value
  )
    return plain;
  return quoteJson(value);
}

/** Kubernetes expands $(VAR) in command, args and env values; `$$` is a literal `$`. */
export function escapeKubernetesExpansion(value: string): string {
  return value.replace(/\$/g, '$$$$');
}

/** Text that is safe anywhere in a Dockerfile or shell line without quoting. */
export const SAFE_WORD = /^[A-Za-z0-9@%+=:,./_-]+$/;

/** A comment holds one line: line breaks and control characters become spaces. */
export function commentText(value: string): string {
  return value.replace(INVISIBLE, ' ').replace(/[\n\r\t]/g, ' ');
}

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}
