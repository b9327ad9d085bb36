import { load, type Schema, type State } from 'js-yaml';
import type { SourcePosition, YamlPath } from './yaml.js';

/**
 * Finds a finding's path in a document's text from js-yaml's node events, about ten times faster
 * than composing the document with the yaml package (issue 18: the composition was a third of
 * `check`'s time on large inputs). It answers only what it can answer exactly as the yaml package's
 * `locate` would (a map key's range, or a scalar value's); anything else (the document's root, a
 * list item that is a collection, an empty value, a block scalar, events it cannot match to the
 * value) is undefined, and the caller asks the yaml package. test/fast-yaml.test.ts compares both
 * on every fixture, example and upstream file, for every path.
 */

/** One js-yaml node (one `composeNode` call): where it was opened and closed, and what it read. */
interface NodeEvent {
  open: number;
  close: number;
  result: unknown;
  children: NodeEvent[];
}

/**
 * Locates paths in one document's text (see locateInEvents); 1-based lines and columns in that
 * text, as the yaml package's LineCounter counts them. Reads the text on the first call.
 */
export function textLocator(
  text: string,
  schema: Schema,
  maxDepth: number,
): (path: YamlPath, atKey: boolean) => SourcePosition | undefined {
  let root: NodeEvent | false | undefined;
  let lineStarts: number[] | undefined;
  const at = (offset: number): { line: number; column: number } => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - lineStarts[low]! + 1 };
  };
  return (path, atKey) => {
    root ??= readNodeEvents(text, schema, maxDepth) ?? false;
    const range = root && locateInEvents(text, root, path, atKey);
    if (!range) return undefined;
    const start = at(range[0]);
    const end = at(range[1]);
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  };
}

/** The root node's events, or undefined when js-yaml cannot read the text (as parseFast reads it). */
export function readNodeEvents(text: string, schema: Schema, maxDepth: number): NodeEvent | undefined {
  const stack: NodeEvent[] = [{ open: 0, close: 0, result: undefined, children: [] }];
  try {
    load(text, {
      schema,
      // @types/js-yaml lacks maxDepth; fast-yaml.ts passes it the same way.
      ...{ maxDepth },
      listener(this: State, event: string, state: State) {
        if (event === 'open') {
          stack.push({ open: state.position, close: 0, result: undefined, children: [] });
        } else {
          const node = stack.pop()!;
          node.close = state.position;
          node.result = state.result;
          stack[stack.length - 1]?.children.push(node);
        }
      },
    });
  } catch {
    return undefined;
  }
  const top = stack[0]!.children;
  return stack.length === 1 && top.length === 1 ? top[0] : undefined;
}

/**
 * The [start, end] offsets in `text` that the yaml package's `locate` reports for `path` (see
 * `positionOf` in yaml.ts), or undefined when this locator is not sure.
 */
export function locateInEvents(
  text: string,
  root: NodeEvent,
  path: YamlPath,
  atKey: boolean,
): readonly [number, number] | undefined {
  let node = root;
  let best: readonly [number, number] | undefined; // undefined: the root's range, or not sure
  for (const [depth, step] of path.entries()) {
    node = unwrap(node);
    const value = node.result;
    if (Array.isArray(value)) {
      if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step >= value.length)
        return best;
      if (node.children.length !== value.length) return undefined;
      const item = node.children[step]!;
      if (item.result !== value[step]) return undefined;
      best = scalarRange(text, item);
      node = item;
    } else if (isPlainObject(value)) {
      const key = String(step);
      if (!Object.prototype.hasOwnProperty.call(value, key)) return best;
      const { children } = node;
      if (children.length !== 2 * Object.keys(value).length) return undefined;
      let index = -1;
      for (let i = 0; i < children.length; i += 2) {
        const keyNode = children[i]!;
        if (!isScalarValue(keyNode.result)) return undefined;
        if (String(keyNode.result) === key) {
          index = i;
          break;
        }
      }
      if (index === -1) return undefined;
      const keyNode = children[index]!;
      const valueNode = children[index + 1]!;
      if (!Object.is(valueNode.result, value[key])) return undefined;
      const keyStart = contentStart(text, keyNode.open);
      const keyRange: readonly [number, number] = [keyStart, contentEnd(text, keyStart, keyNode.close)];
      if (atKey && depth === path.length - 1) return keyRange;
      best = isScalarValue(valueNode.result)
        ? scalarRange(text, valueNode)
        : valueNode.result === null
          ? undefined
          : keyRange;
      node = valueNode;
    } else {
      return best;
    }
  }
  return best;
}

/** A wrapper node (js-yaml reads a block collection's first entry through a nested call) → the collection. */
function unwrap(node: NodeEvent): NodeEvent {
  let current = node;
  while (current.children.length === 1 && current.children[0]!.result === current.result) {
    const inner = current.children[0]!;
    if (!Array.isArray(inner.result) && !isPlainObject(inner.result)) break;
    current = inner;
  }
  return current;
}

/** A scalar's range as the yaml package gives it; undefined for block scalars, nulls and collections. */
function scalarRange(text: string, node: NodeEvent): readonly [number, number] | undefined {
  if (!isScalarValue(node.result)) return undefined;
  const start = contentStart(text, node.open);
  const first = text[start];
  if (first === '|' || first === '>') return undefined;
  return [start, contentEnd(text, start, node.close)];
}

/**
 * Where a scalar ends: js-yaml closes a plain scalar where it stopped reading (at the `:`, `,`,
 * bracket or comment that ended it, past the spaces before it); the yaml package ends its range
 * at the last character of the scalar.
 */
function contentEnd(text: string, start: number, close: number): number {
  let end = close;
  while (end > start) {
    const ch = text.charCodeAt(end - 1);
    if (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) end--;
    else break;
  }
  return end;
}

/** Skips what js-yaml skips before a node: spaces, tabs, line breaks and comments. */
function contentStart(text: string, from: number): number {
  let i = from;
  while (i < text.length) {
    const ch = text.charCodeAt(i);
    if (ch === 0x20 || ch === 0x09 || ch === 0x0a || ch === 0x0d) i++;
    else if (ch === 0x23) {
      const end = text.indexOf('\n', i);
      i = end === -1 ? text.length : end;
    } else break;
  }
  return i;
}

function isScalarValue(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
