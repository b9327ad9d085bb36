import { FAILSAFE_SCHEMA, load, Type, type State } from 'js-yaml';
import { scanYaml } from './scan-yaml.js';

/**
 * A fast first pass over a YAML stream: js-yaml builds plain values about ten times faster than
 * the yaml package composes its documents (issue 18). It is only a fast path: whenever the text
 * holds something the two packages might read differently (anchors, tags, directives, `...`,
 * null or collection keys) or js-yaml finds any problem, it answers undefined and the caller
 * reads the text with the yaml package, whose documents, errors and positions are the reference.
 * Positions are not computed here: the caller resolves them from the document's slice, only for
 * the documents that get a finding.
 */
export interface FastDocument {
  /** 0-based index of the document in the stream, counted as the yaml package counts it. */
  index: number;
  value: unknown;
  /** Offset of the document's slice (its `---` line, or the start of the text) and its end. */
  start: number;
  end: number;
  /** Lines before the slice. */
  lineOffset: number;
}

export interface FastParse {
  documents: FastDocument[];
  documentCount: number;
}

/** The yaml package's YAML 1.2 core schema (yaml/dist/schema/core), rebuilt for js-yaml. */
const nullType = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:~|[Nn]ull|NULL)?$/.test(s),
  construct: () => null,
});
const boolType = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s),
  construct: (s: string) => s[0] === 't' || s[0] === 'T',
});
const intType = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string) => /^0o[0-7]+$/.test(s) || /^[-+]?[0-9]+$/.test(s) || /^0x[0-9a-fA-F]+$/.test(s),
  construct: (s: string) =>
    s.startsWith('0o')
      ? parseInt(s.slice(2), 8)
      : s.startsWith('0x')
        ? parseInt(s.slice(2), 16)
        : parseInt(s, 10),
});
const floatType = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string) =>
    /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s) ||
    /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s),
  construct: (s: string) =>
    s.slice(-3).toLowerCase() === 'nan'
      ? NaN
      : s.endsWith('inf') || s.endsWith('Inf') || s.endsWith('INF')
        ? s[0] === '-'
          ? Number.NEGATIVE_INFINITY
          : Number.POSITIVE_INFINITY
        : parseFloat(s),
});
export const CORE_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * What sends a text to the reference reader: a BOM or directive, a `...` end marker, content on a
 * `---` line, a tag, an explicit (`?`) key, a null or empty key, a flow collection as a key; and
 * what js-yaml accepts but the yaml package refuses: a line of 1 024 characters or more (an
 * implicit key that long), a `#` right after a quote or bracket, a bare carriage return as a line
 * break. Each is rare in manifests; a false alarm costs only time.
 */
const UNSAFE =
  /["'\]}]#|\r(?!\n)|^\uFEFF|^%|^\.\.\.(?:\s|$)|^---[ \t]+[^\s#]|(?:^|[\s[{,])!|(?:^|\s)\?(?:\s|$)|(?:^|[\s{,?-])(?:~|null|Null|NULL)?[ \t]*:(?:[\s,}\]]|$)|[\]}][ \t]*:(?:\s|$)/m;
const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;
const CONTENT_LINE = /^[ \t]*[^\s#]/m;

/**
 * Reads the stream's documents, or undefined when the yaml package must read it (see above): the
 * one-pass reader first (the same values, proven in test/scan-yaml.test.ts), js-yaml for the rest.
 */
export function parseFast(
  text: string,
  maxDocuments: number | undefined,
  maxDepth: number,
): FastParse | undefined {
  const scanned = scanYaml(text, maxDocuments, maxDepth);
  if (scanned) {
    let line = 0;
    let counted = 0;
    const documents = scanned.documents.map(({ index, value, start, end }) => {
      line += countLines(text, counted, start);
      counted = start;
      return { index, value, start, end, lineOffset: line };
    });
    return { documents, documentCount: scanned.documentCount };
  }
  return readWithJsYaml(text, maxDocuments, maxDepth);
}

/** The documents as js-yaml reads them, or undefined when the yaml package must read the text. */
export function readWithJsYaml(
  text: string,
  maxDocuments: number | undefined,
  maxDepth: number,
): FastParse | undefined {
  if (UNSAFE.test(text) || hasLineOf(1024, text)) return undefined;
  const starts: number[] = [];
  for (const match of text.matchAll(DOCUMENT_START)) starts.push(match.index);
  // The slice before the first `---` is a document when it holds content; a stream with none at all
  // still counts one (empty) document, as the yaml package counts it.
  const slices: { start: number; end: number }[] = [];
  const head = text.slice(0, starts[0] ?? text.length);
  if (starts[0] !== 0 && CONTENT_LINE.test(head)) slices.push({ start: 0, end: starts[0] ?? text.length });
  starts.forEach((start, i) => slices.push({ start, end: starts[i + 1] ?? text.length }));
  const documentCount = Math.max(1, slices.length);
  if (maxDocuments !== undefined && documentCount > maxDocuments) return undefined;

  let anchored = false;
  const options = {
    schema: CORE_SCHEMA,
    maxDepth,
    listener(this: State, event: string, state: State) {
      if (event === 'close' && (state as State & { anchor: string | null }).anchor !== null) anchored = true;
    },
  };
  const documents: FastDocument[] = [];
  let line = 0;
  let counted = 0;
  for (const [index, slice] of slices.entries()) {
    line += countLines(text, counted, slice.start);
    counted = slice.start;
    let value: unknown;
    try {
      value = load(text.slice(slice.start, slice.end), options);
    } catch {
      return undefined;
    }
    if (anchored) return undefined;
    documents.push({ index, value, start: slice.start, end: slice.end, lineOffset: line });
  }
  return { documents, documentCount };
}

function hasLineOf(length: number, text: string): boolean {
  for (let start = 0; start < text.length;) {
    const end = text.indexOf('\n', start);
    if ((end === -1 ? text.length : end) - start >= length) return true;
    if (end === -1) break;
    start = end + 1;
  }
  return false;
}

function countLines(text: string, from: number, to: number): number {
  let lines = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) lines++;
  return lines;
}
