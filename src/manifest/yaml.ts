import {
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from 'yaml';

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
}

/**
 * Aliases a document may expand. Real manifests use a handful; a "billion laughs" document
 * needs thousands, and is refused here before it can eat memory.
 */
const MAX_ALIAS_COUNT = 100;

export function parseYaml(text: string, file: string): ParsedYaml {
  const lineCounter = new LineCounter();
  // logLevel 'error': the yaml package would print warnings (with a snippet of the input) through
  // process.emitWarning, around the redaction gate.
  const docs = parseAllDocuments(text, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    logLevel: 'error',
  });
  const documents: SourceDocument[] = [];
  const problems: YamlProblem[] = [];
  const list = Array.isArray(docs) ? docs : [];
  list.forEach((doc, index) => {
    const errors = doc.errors;
    if (errors.length > 0) {
      for (const error of errors) {
        const pos = lineCounter.linePos(error.pos[0]);
        problems.push({
          file,
          line: pos.line,
          column: pos.col,
          message: `invalid YAML: ${firstLine(error.message)}`,
        });
      }
      return;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (error) {
      const start = lineCounter.linePos(doc.range[0]);
      const message =
        error instanceof Error && /alias/i.test(error.message)
          ? `refused: the document expands more than ${MAX_ALIAS_COUNT} YAML aliases (an "alias bomb"); real manifests need only a few`
          : `invalid YAML: ${error instanceof Error ? firstLine(error.message) : String(error)}`;
      problems.push({ file, line: start.line, column: start.col, message });
      return;
    }
    if (value === null || value === undefined) return; // empty document between separators
    documents.push(makeSourceDocument(file, index, value, doc, lineCounter));
  });
  return { documents, problems };
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

function makeSourceDocument(
  file: string,
  index: number,
  value: unknown,
  doc: Document,
  lineCounter: LineCounter,
): SourceDocument {
  const toPosition = (range: readonly [number, number, number?] | null | undefined): SourcePosition => {
    const start = lineCounter.linePos(range?.[0] ?? 0);
    const end = lineCounter.linePos(range?.[1] ?? range?.[0] ?? 0);
    return { line: start.line, column: start.col, endLine: end.line, endColumn: end.col };
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
