import {
  Composer,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  Parser,
  type Document,
  type Node,
} from 'yaml';
import { CORE_SCHEMA, readWithJsYaml } from './fast-yaml.js';
import { textLocator } from './yaml-locator.js';
import { scanYaml, type PositionIndex, type ScannedYaml } from './scan-yaml.js';
import { findPlaceholder } from './placeholders.js';

export type YamlPath = readonly (string | number)[];

export interface SourcePosition {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** One YAML document of a file, its plain value and a way back to source positions. */
export interface SourceDocument {
  /** Path as shown to the user (relative to cwd, or "<stdin>"). */
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly value: unknown;
  /**
   * Position of the node at `path`, or of its nearest ancestor that exists. With `key`, the
   * position of the map key that holds the value (for "unknown field" problems).
   */
  positionOf(path: YamlPath, options?: { key?: boolean }): SourcePosition;
}

export interface YamlProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ParsedYaml {
  documents: SourceDocument[];
  problems: YamlProblem[];
  /** Documents read, empty ones between `---` separators included (what the document limit counts). */
  documentCount: number;
}

export interface ParseOptions {
  /**
   * Where the text sits in a larger file (a fenced block of a Markdown file): maps a position in
   * the text to the position a person sees in the file.
   */
  mapPosition?: (line: number, column: number) => { line: number; column: number };
  /** Stop after this many documents and report the limit (see `maxDocuments` in .mlready.yaml). */
  maxDocuments?: number;
  /** The limit as configured, for the message, when `maxDocuments` is what is left of it. */
  documentLimit?: number;
  /** Named in the document-limit problem, e.g. "maxDocuments in .mlready.yaml". */
  documentLimitName?: string;
}

/**
 * Aliases a document may expand. Real manifests use a handful; a "billion laughs" document
 * needs thousands, and is refused here before it can eat memory.
 */
const MAX_ALIAS_COUNT = 100;

/**
 * Nesting depth a document may have. Kubernetes objects nest a few dozen levels (a CRD's
 * openAPIV3Schema perhaps 60); beyond this the parser and every recursive reader would risk the
 * call stack, so the document is refused with a clear message instead.
 */
export const MAX_NESTING_DEPTH = 200;

const TOO_DEEP = `refused: the document nests more than ${MAX_NESTING_DEPTH} levels deep; Kubernetes objects nest a few dozen`;

/**
 * Parses a YAML stream with source positions. Most manifests are read by scanYaml, values and a
 * position index in one pass; what it gives up on takes the js-yaml path (parseWithJsYaml), and
 * what that does not vouch for is read by parseComposed (the yaml package, the reference).
 */
export function parseYaml(text: string, file: string, options: ParseOptions = {}): ParsedYaml {
  const scanned = scanYaml(text, options.maxDocuments, MAX_NESTING_DEPTH);
  if (scanned) return fromScan(text, file, scanned, options.mapPosition);
  return parseWithJsYaml(text, file, options);
}

/**
 * The path before scanYaml, and still the one for what it gives up on: js-yaml's values, positions
 * from js-yaml's node events of a document's slice (or the yaml package), the yaml package for any
 * text js-yaml might read differently.
 */
export function parseWithJsYaml(text: string, file: string, options: ParseOptions = {}): ParsedYaml {
  const fast = readWithJsYaml(text, options.maxDocuments, MAX_NESTING_DEPTH);
  if (!fast) return parseComposed(text, file, options);
  const map = options.mapPosition;
  const documents: SourceDocument[] = [];
  for (const { index, value, start, end, lineOffset } of fast.documents) {
    if (value === null || value === undefined) continue; // empty document between separators
    let composed: SourceDocument | undefined;
    const slice = text.slice(start, end);
    const locate = textLocator(slice, CORE_SCHEMA, MAX_NESTING_DEPTH);
    const positionOf: SourceDocument['positionOf'] = (path, positionOptions) => {
      const found = locate(path, positionOptions?.key === true);
      if (found) {
        const from = map
          ? map(found.line + lineOffset, found.column)
          : { line: found.line + lineOffset, column: found.column };
        const to = map
          ? map(found.endLine + lineOffset, found.endColumn)
          : { line: found.endLine + lineOffset, column: found.endColumn };
        return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
      }
      composed ??= parseComposed(slice, file, {
        mapPosition: (line, column) =>
          map ? map(line + lineOffset, column) : { line: line + lineOffset, column },
      }).documents[0];
      if (composed) return composed.positionOf(path, positionOptions);
      const at = map ? map(lineOffset + 1, 1) : { line: lineOffset + 1, column: 1 };
      return { line: at.line, column: at.column, endLine: at.line, endColumn: at.column };
    };
    documents.push({ file, index, value, positionOf });
  }
  return { documents, problems: [], documentCount: fast.documentCount };
}

/**
 * The documents scanYaml read, their positions from its index; a path the index is not sure of is
 * answered by the yaml package from the document's own slice (composed once, on first need).
 */
function fromScan(
  text: string,
  file: string,
  scanned: ScannedYaml,
  map: ParseOptions['mapPosition'],
): ParsedYaml {
  const read = scanned.documents;
  const bounds = new Int32Array(read.length * BOUNDS);
  const shared = new ScannedText(text, file, scanned.index, bounds, map);
  const documents: SourceDocument[] = [];
  for (let i = 0; i < read.length; i++) {
    const { index, value, start, end, root } = read[i]!;
    if (value === null || value === undefined) continue; // empty document between separators
    bounds[index * BOUNDS] = start;
    bounds[index * BOUNDS + 1] = end;
    bounds[index * BOUNDS + 2] = root;
    documents.push(new ScannedSource(shared, index, value));
  }
  return { documents, problems: [], documentCount: scanned.documentCount };
}

/** Per document of a scanned text: its slice's start and end, and its root node in the index. */
const BOUNDS = 3;

/**
 * What the documents of one scanned text share: its index (with its line starts) and where each
 * document lies. Only these: what scanYaml returned besides (an object per document) is left to
 * the garbage collector, not kept for the whole run.
 */
class ScannedText {
  /** Offset of each line's first character (recorded by the scan: no second pass over the text). */
  private readonly lineStarts: Int32Array;
  /** Documents the yaml package read again for a path the index was not sure of, by index. */
  composed: Map<number, SourceDocument | null> | undefined;

  constructor(
    readonly text: string,
    readonly file: string,
    readonly index: PositionIndex,
    /** BOUNDS numbers per document, by its index in the stream. */
    readonly bounds: Int32Array,
    readonly map: ParseOptions['mapPosition'],
  ) {
    this.lineStarts = index.lineStarts;
  }

  /** 0-based line of an offset. */
  lineOf(offset: number): number {
    const { lineStarts } = this;
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  position(start: number, end: number): SourcePosition {
    const line = this.lineOf(start);
    const { lineStarts } = this;
    const column = start - lineStarts[line]! + 1;
    // Most ranges end on the line they start on: no second search for those.
    const endLine = line + 1 === lineStarts.length || end < lineStarts[line + 1]! ? line : this.lineOf(end);
    const endColumn = end - lineStarts[endLine]! + 1;
    const { map } = this;
    if (!map) return { line: line + 1, column, endLine: endLine + 1, endColumn };
    const from = map(line + 1, column);
    const to = map(endLine + 1, endColumn);
    return { line: from.line, column: from.column, endLine: to.line, endColumn: to.column };
  }
}

/**
 * One document of a scanned text. A class, not a closure per document, and three fields (the rest
 * is in ScannedText): ten thousand documents are ten thousand small objects that every young
 * generation collection of the run copies, not three times as many or twice as large.
 */
class ScannedSource implements SourceDocument {
  constructor(
    private readonly shared: ScannedText,
    readonly index: number,
    readonly value: unknown,
  ) {}

  get file(): string {
    return this.shared.file;
  }

  positionOf(path: YamlPath, options?: { key?: boolean }): SourcePosition {
    const { shared } = this;
    const at = this.index * BOUNDS;
    const index = shared.index;
    if (index.find(shared.bounds[at + 2]!, path, options?.key === true))
      return shared.position(index.foundStart, index.foundEnd);
    const start = shared.bounds[at]!;
    const lineOffset = shared.lineOf(start);
    const map = shared.map;
    const composedByIndex = (shared.composed ??= new Map<number, SourceDocument | null>());
    let composed = composedByIndex.get(this.index);
    if (composed === undefined) {
      composed =
        parseComposed(shared.text.slice(start, shared.bounds[at + 1]), shared.file, {
          mapPosition: (line, column) =>
            map ? map(line + lineOffset, column) : { line: line + lineOffset, column },
        }).documents[0] ?? null;
      composedByIndex.set(this.index, composed);
    }
    if (composed) return composed.positionOf(path, options);
    const first = map ? map(lineOffset + 1, 1) : { line: lineOffset + 1, column: 1 };
    return { line: first.line, column: first.column, endLine: first.line, endColumn: first.column };
  }
}

/**
 * Parses a YAML stream one document at a time (so a limit on documents bounds memory), with
 * source positions. Duplicate keys are found here with a Set per mapping: the yaml package's own
 * `uniqueKeys` check compares every key with every other (40 000 keys took 15 s).
 */
export function parseComposed(text: string, file: string, options: ParseOptions = {}): ParsedYaml {
  const lineCounter = new LineCounter();
  const documents: SourceDocument[] = [];
  const problems: YamlProblem[] = [];
  const map = options.mapPosition ?? ((line: number, column: number) => ({ line, column }));
  const at = (offset: number): { line: number; column: number } => {
    const pos = lineCounter.linePos(offset);
    return map(pos.line, pos.col);
  };
  const problem = (offset: number, message: string): void => {
    const pos = at(offset);
    problems.push({ file, line: pos.line, column: pos.column, message });
  };
  const parser = new Parser(lineCounter.addNewLine);
  // logLevel 'error': the yaml package would print warnings (with a snippet of the input) through
  // process.emitWarning, around the redaction gate.
  const composer = new Composer({ prettyErrors: false, uniqueKeys: false, logLevel: 'error' });
  let index = -1;
  try {
    for (const doc of composer.compose(parser.parse(text), true, text.length)) {
      index++;
      if (options.maxDocuments !== undefined && index >= options.maxDocuments) {
        problem(
          doc.range[0],
          `refused: more than ${options.documentLimit ?? options.maxDocuments} YAML documents in the input (the limit ${options.documentLimitName ?? 'maxDocuments'})`,
        );
        break;
      }
      readDocument(doc, index);
    }
  } catch (error) {
    // The parser itself recursing into pathological nesting.
    if (!isStackOverflow(error)) throw error;
    problem(0, TOO_DEEP);
  }
  return { documents, problems, documentCount: index + 1 };

  function readDocument(doc: Document.Parsed, docIndex: number): void {
    const errors = doc.errors;
    if (errors.length > 0) {
      for (const error of errors) {
        problem(
          error.pos[0],
          isStackOverflow(error)
            ? TOO_DEEP
            : `invalid YAML: ${firstLine(error.message)}${placeholderNote(text, error.pos[0])}`,
        );
      }
      return;
    }
    const structure = checkStructure(doc.contents);
    if (structure) {
      problem(structure.offset, structure.message);
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const message = isStackOverflow(error)
        ? TOO_DEEP
        : error instanceof Error && /alias/i.test(error.message)
          ? `refused: the document expands more than ${MAX_ALIAS_COUNT} YAML aliases (an "alias bomb"); real manifests need only a few`
          : `invalid YAML: ${error instanceof Error ? firstLine(error.message) : String(error)}`;
      problem(doc.range[0], message);
      return;
    }
    if (value === null || value === undefined) return; // empty document between separators
    documents.push(makeSourceDocument(file, docIndex, value, doc, at));
  }
}

/**
 * Walks the document once, without recursion: a duplicate key in any mapping, or nesting deeper
 * than MAX_NESTING_DEPTH. Keys compare by their resolved value, as the yaml package compares them.
 */
function checkStructure(root: Node | null): { offset: number; message: string } | undefined {
  const stack: { node: unknown; depth: number }[] = [{ node: root, depth: 0 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (isMap(node) || isSeq(node)) {
      if (depth > MAX_NESTING_DEPTH) return { offset: node.range?.[0] ?? 0, message: TOO_DEEP };
    }
    if (isMap(node)) {
      const keys = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          const id = `${typeof key.value}:${String(key.value)}`;
          if (keys.has(id))
            return { offset: key.range?.[0] ?? 0, message: 'invalid YAML: Map keys must be unique' };
          keys.add(id);
        } else if (key !== null) {
          stack.push({ node: key, depth: depth + 1 });
        }
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    } else if (isPair(node)) {
      stack.push({ node: node.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/** When the line of a parse error holds an unrendered placeholder, the error says so. */
function placeholderNote(text: string, offset: number): string {
  const start = text.lastIndexOf('\n', Math.max(0, offset - 1)) + 1;
  const end = text.indexOf('\n', offset);
  const line = text.slice(start, end === -1 ? undefined : end);
  const placeholder = findPlaceholder(line.length > 500 ? line.slice(0, 500) : line);
  return placeholder === undefined
    ? ''
    : ` (the line holds the unrendered placeholder ${placeholder}: substitute it, e.g. with envsubst or helm template, before checking)`;
}

function isStackOverflow(error: unknown): boolean {
  return (
    error instanceof RangeError ||
    (error instanceof Error && /Maximum call stack size exceeded/.test(error.message))
  );
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

/**
 * A view of the value at `path` inside `parent` as a document of its own (an item of a
 * `kind: List`), its positions still those of the file.
 */
export function subDocument(parent: SourceDocument, path: YamlPath, value: unknown): SourceDocument {
  return {
    file: parent.file,
    index: parent.index,
    value,
    positionOf: (inner, options) => parent.positionOf([...path, ...inner], options),
  };
}

function makeSourceDocument(
  file: string,
  index: number,
  value: unknown,
  doc: Document,
  at: (offset: number) => { line: number; column: number },
): SourceDocument {
  const toPosition = (range: readonly [number, number, number?] | null | undefined): SourcePosition => {
    const start = at(range?.[0] ?? 0);
    const end = at(range?.[1] ?? range?.[0] ?? 0);
    return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
  };
  return {
    file,
    index,
    value,
    positionOf(path, options) {
      return toPosition(
        locate(doc.contents, path, options?.key === true) ?? doc.contents?.range ?? doc.range,
      );
    },
  };
}

/**
 * The range to report for `path`: a scalar value's own range, or for a collection the key that
 * introduces it (the line a person reads as "resources:"). Falls back to the deepest ancestor.
 */
function locate(
  root: Node | null,
  path: YamlPath,
  atKey: boolean,
): readonly [number, number, number?] | undefined {
  let node: unknown = root;
  let best: readonly [number, number, number?] | undefined = (
    root as { range?: [number, number, number] } | null
  )?.range;
  for (const [depth, key] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key),
      );
      if (!pair) return best;
      const keyRange = isScalar(pair.key) ? pair.key.range : undefined;
      const value = pair.value;
      if (atKey && depth === path.length - 1 && keyRange) return keyRange;
      if (isScalar(value) && value.range) best = value.range;
      else if (keyRange) best = keyRange;
      node = value;
    } else if (isSeq(node) && typeof key === 'number') {
      const item = node.items[key];
      if (item === undefined) return best;
      const range = (item as { range?: [number, number, number] }).range;
      if (range) best = range;
      node = item;
    } else {
      return best;
    }
  }
  return best;
}
