/**
 * A single-pass reader for the YAML that Kubernetes manifests are written in: values and the
 * position of every key and value node from one scan of the text (issue 18).
 *
 * Why hand-written: no npm library reads YAML with positions fast enough. On the 10 000-resource
 * input of bench/check.js (3.2 MB) the yaml package's Lexer alone took 0.52 s of CPU and its
 * Parser (CST, no documents) 1.45 s; js-yaml reads the values in 0.28 s but has no positions, and
 * reading them again from its node events cost ~0.2 s per run. The budget for values and
 * positions together is 0.12 s. (yaml-ast-parser is a fork of js-yaml 3, the same algorithm with
 * heavier nodes; WebAssembly builds of rapidyaml or libyaml are not published as kept npm packages.)
 *
 * It reads only a subset it can read exactly as the yaml package does with its YAML 1.2 core
 * schema (fast-yaml.ts's CORE_SCHEMA): block mappings and sequences, single-line flow
 * collections and ones continued on more-indented lines, single-line plain and quoted scalars,
 * literal and folded block scalars without indentation indicators, comments and `---`
 * separators. Anything else, or anything it is not sure about (anchors, aliases, tags,
 * directives, `...`, explicit or non-string keys, duplicate keys, multi-line plain or quoted
 * scalars, tabs outside scalars, carriage returns, deep nesting, too many documents), makes it
 * give up: scanYaml answers undefined and the caller reads the text as before (js-yaml, then the
 * yaml package, whose errors and positions are the reference). test/scan-yaml.test.ts proves on
 * every YAML file of the repository and on generated manifests that it either gives up or reads
 * the yaml package's values and positions.
 *
 * Positions are kept as offsets in flat number arrays (no object per node); lines and columns are
 * resolved only for the paths that get asked for.
 */

import { Buffer } from 'node:buffer';

/**
 * Thrown (never escapes scanYaml) when the text is outside the subset: one instance made once,
 * so giving up costs no stack capture.
 */
const GIVE_UP = new Error('outside the subset scanYaml reads');

/** Longest implicit key the yaml package accepts is 1 024 characters; keep well below it. */
const MAX_KEY_LENGTH = 1000;

const MAP = 0;
const SEQ = 1;

/** An entry's value: a node id (>= 0), a scalar with an exact range, or a range we are not sure of. */
const SCALAR = -1;
const UNSURE = -2;

/** Entries: 7 numbers each. */
const KEY_START = 0;
const KEY_END = 1;
const VALUE_START = 2;
const VALUE_END = 3;
const CHILD = 4;
const NEXT = 5;
/** The key's id in the text's key table (PositionIndex.keyNames), or -1 (quoted, not in the table). */
const KEY_ID = 6;
const ENTRY = 7;

/** Nodes: 4 numbers each (kind, first entry or -1, start, end or -1 when not sure). */
const NODE = 4;

export interface ScannedDocument {
  /** 0-based index of the document in the stream, counted as the yaml package counts it. */
  index: number;
  value: unknown;
  /** Offset of the document's slice (its `---` line, or the start of the text) and its end. */
  start: number;
  end: number;
  /** Root node id in the index, or -1 when the document is empty. */
  root: number;
}

export interface ScannedYaml {
  documents: ScannedDocument[];
  documentCount: number;
  index: PositionIndex;
}

/**
 * Where each key and value of a scanned text sits. `locate` mirrors the yaml package's `locate`
 * in yaml.ts step by step; it answers undefined where this reader does not know the range the yaml
 * package would give (an empty value, a collection whose range a trailing comment may extend).
 */
export class PositionIndex {
  /** Per map node read more than a few times: its keys → entry offsets, built on demand. */
  private wide: Map<number, Map<string, number> | number[]> | undefined;

  constructor(
    private readonly text: string,
    private readonly entries: Int32Array,
    /** Keys written quoted (their value differs from their text), by entry. */
    private readonly quotedKeys: Map<number, string>,
    private readonly nodes: Int32Array,
    /**
     * The text's distinct plain keys by key id (the scanner's key table): a key compares as one
     * string, where comparing it with the text took most of a lookup's time.
     */
    private readonly keyNames: readonly string[],
    /** Offset of each line's first character, in order (the scan passed every line break). */
    readonly lineStarts: Int32Array,
  ) {}

  /** Start and end offsets of what the last `find` found. */
  foundStart = 0;
  foundEnd = 0;

  locate(root: number, path: readonly (string | number)[], atKey: boolean): [number, number] | undefined {
    return this.find(root, path, atKey) ? [this.foundStart, this.foundEnd] : undefined;
  }

  /** `locate` without an array per answer: true with foundStart and foundEnd set, or false. */
  find(root: number, path: readonly (string | number)[], atKey: boolean): boolean {
    const { entries, nodes } = this;
    let node = root;
    let bestStart = nodes[root * NODE + 2]!;
    let bestEnd = nodes[root * NODE + 3]!;
    for (let depth = 0; depth < path.length; depth++) {
      if (node < 0) break;
      const step = path[depth]!;
      const kind = nodes[node * NODE]!;
      let entry: number;
      if (kind === MAP) {
        entry = this.findKey(node, typeof step === 'string' ? step : String(step));
        if (entry === -1) break;
        if (atKey && depth === path.length - 1) {
          this.foundStart = entries[entry + KEY_START]!;
          this.foundEnd = entries[entry + KEY_END]!;
          return true;
        }
        const child = entries[entry + CHILD]!;
        if (child === SCALAR) {
          bestStart = entries[entry + VALUE_START]!;
          bestEnd = entries[entry + VALUE_END]!;
        } else if (child === UNSURE) {
          bestEnd = -1;
        } else {
          bestStart = entries[entry + KEY_START]!;
          bestEnd = entries[entry + KEY_END]!;
        }
        node = child;
      } else {
        if (typeof step !== 'number') break;
        entry = this.findItem(node, step);
        if (entry === -1) break;
        const child = entries[entry + CHILD]!;
        if (child === UNSURE) bestEnd = -1;
        else {
          bestStart = entries[entry + VALUE_START]!;
          bestEnd = entries[entry + VALUE_END]!;
        }
        node = child;
      }
    }
    if (bestEnd === -1) return false;
    this.foundStart = bestStart;
    this.foundEnd = bestEnd;
    return true;
  }

  private findKey(node: number, key: string): number {
    const cached = this.wide?.get(node);
    if (cached) return (cached as Map<string, number>).get(key) ?? -1;
    let count = 0;
    for (let e = this.nodes[node * NODE + 1]!; e !== -1; e = this.entries[e + NEXT]!) {
      if (this.keyIs(e, key)) return e;
      count++;
    }
    // A wide mapping (a ConfigMap's data) is indexed once, so later lookups are O(1).
    if (count > 16) {
      const byKey = new Map<string, number>();
      for (let e = this.nodes[node * NODE + 1]!; e !== -1; e = this.entries[e + NEXT]!)
        byKey.set(this.keyOf(e), e);
      (this.wide ??= new Map()).set(node, byKey);
    }
    return -1;
  }

  private keyOf(entry: number): string {
    const id = this.entries[entry + KEY_ID]!;
    if (id >= 0) return this.keyNames[id]!;
    const quoted = this.quotedKeys.size > 0 ? this.quotedKeys.get(entry) : undefined;
    return quoted ?? this.text.slice(this.entries[entry + KEY_START], this.entries[entry + KEY_END]);
  }

  /** Whether an entry's key is `key`, without copying a plain key out of the text. */
  private keyIs(entry: number, key: string): boolean {
    const id = this.entries[entry + KEY_ID]!;
    if (id >= 0) return this.keyNames[id] === key;
    const quoted = this.quotedKeys.size > 0 ? this.quotedKeys.get(entry) : undefined;
    if (quoted !== undefined) return quoted === key;
    const start = this.entries[entry + KEY_START]!;
    return this.entries[entry + KEY_END]! - start === key.length && this.text.startsWith(key, start);
  }

  private findItem(node: number, index: number): number {
    if (!Number.isInteger(index) || index < 0) return -1;
    const cached = this.wide?.get(node);
    if (cached) return (cached as number[])[index] ?? -1;
    let i = 0;
    let e = this.nodes[node * NODE + 1]!;
    for (; e !== -1 && i < index; e = this.entries[e + NEXT]!) i++;
    if (index > 16) {
      const items: number[] = [];
      for (let f = this.nodes[node * NODE + 1]!; f !== -1; f = this.entries[f + NEXT]!) items.push(f);
      (this.wide ??= new Map()).set(node, items);
    }
    return e;
  }
}

/** Reads the stream, or undefined when it is outside the subset (see above). */
export function scanYaml(
  text: string,
  maxDocuments: number | undefined,
  maxDepth: number,
): ScannedYaml | undefined {
  // Carriage returns and a BOM: rare in manifests, and each changes what a line is.
  if (text.indexOf('\r') !== -1 || text.charCodeAt(0) === 0xfeff) return undefined;
  const scanner = new Scanner(text, Math.min(maxDepth, 100));
  try {
    const documents = scanner.stream(maxDocuments);
    if (documents === undefined) return undefined;
    return {
      documents,
      documentCount: Math.max(1, documents.length),
      index: new PositionIndex(
        text,
        // Written in place in the shared blocks: no copy.
        keep(entryBlocks, scanner.entries, scanner.entryCount),
        scanner.quotedKeys,
        keep(nodeBlocks, scanner.nodes, scanner.nodeCount),
        scanner.keyNames(),
        keep(lineBlocks, scanner.lineStarts, scanner.lineCount),
      ),
    };
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  } finally {
    scanner.release();
  }
}

/** Placeholder for the map a flow sequence does not build (never written to). */
const EMPTY: Record<string, unknown> = Object.freeze({});

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const HASH = 0x23;
const COLON = 0x3a;
const DASH = 0x2d;
const COMMA = 0x2c;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;

/**
 * The code unit after the text: what charCodeAt's NaN was to the tests that read at the end. No
 * test of a character equal to one of the reader's indicators (space, line break, `#`, `:`, quotes,
 * brackets) matches it. The scans of plain scalars and keys stop at it (CLASSES) and tell it from a
 * NUL inside the text by the offset; the first character of a plain scalar is tested against the
 * end before it is read.
 */
const END = 0;

class Scanner {
  /**
   * The text's UTF-16 code units, for the loops that read every character (plain scalars, keys,
   * indentation, the key and scalar tables): an element read is a fraction of a charCodeAt,
   * which checks the string's representation on every call. Only indexes up to `length` are
   * read: `length` holds END (see codeUnits), past it the array holds what an earlier, longer text
   * left there.
   */
  private readonly codes: Uint16Array;
  entries: Int32Array;
  entryCount = 0;
  readonly quotedKeys = new Map<number, string>();
  nodes: Int32Array;
  nodeCount = 0;
  /** Offset of each line's first character: 0, then after each line break the scan passes. */
  lineStarts: Int32Array;
  lineCount = 1;
  private pos = 0;
  private lineStart = 0;
  /** Indentation of the next content line (pos is at its first character); -1 at the end of a document. */
  private indent = -1;
  /** End of the last entry's last line (after its line break). */
  private lineEnd = 0;
  /** A comment line was skipped since lineEnd: a collection's range may then include it. */
  private commentAfter = false;
  private readonly length: number;

  constructor(
    private readonly text: string,
    private readonly maxDepth: number,
  ) {
    this.length = text.length;
    this.codes = codeUnits(text);
    // About one entry per 16 characters of manifest; grown by doubling past that.
    // Room for what a manifest of this length needs (0.37, 0.11 and 0.02 numbers per character on
    // the bench input, more for short keys and values); a text that needs more grows its own array.
    this.entries = open(entryBlocks, (text.length >> 1) + (text.length >> 2) + ENTRY * 16);
    this.nodes = open(nodeBlocks, (text.length >> 3) + NODE * 16);
    this.lineStarts = open(lineBlocks, (text.length >> 4) + 16);
    this.lineStarts[0] = 0;
  }

  /**
   * Hands the working memory back for the next scan, without what this text put in it (the index
   * arrays stay where they are: keep() claims them for a text read, the next scan overwrites them).
   */
  release(): void {
    clearTable(this.keys);
    clearTable(this.scalars);
    this.items.length = 0;
  }

  stream(maxDocuments: number | undefined): ScannedDocument[] | undefined {
    const { text } = this;
    const documents: ScannedDocument[] = [];
    this.nextContent();
    // Content before the first `---` is a document; a stream with no content at all still counts
    // one (empty) document, as the yaml package counts it.
    if (this.indent !== -1) {
      const root = this.nextNode;
      const value = this.document();
      documents.push({ index: 0, value, start: 0, end: this.pos, root });
    }
    while (this.pos < this.length) {
      // nextContent stops only at a `---` line or the end of the text.
      if (text.charCodeAt(this.pos) !== DASH || !this.isMarker(this.pos)) throw GIVE_UP;
      if (maxDocuments !== undefined && documents.length + 1 > maxDocuments) return undefined;
      const start = this.pos;
      this.pos += 3;
      this.endOfLine(true);
      this.nextContent();
      const root = this.indent === -1 ? -1 : this.nextNode;
      const value = root === -1 ? null : this.document();
      documents.push({ index: documents.length, value, start, end: this.pos, root });
    }
    if (maxDocuments !== undefined && Math.max(1, documents.length) > maxDocuments) return undefined;
    return documents;
  }

  /** One document's root collection; pos at its first character. Root scalars are given up on. */
  private document(): unknown {
    const c = this.text.charCodeAt(this.pos);
    let value: unknown;
    if (c === LBRACKET || c === LBRACE) {
      value = this.flow(-1, 1);
      this.endOfLine(false);
      this.nextContent();
    } else if (c === DASH && this.isSeparator(this.pos + 1)) {
      value = this.blockSeq(this.indent, 1);
    } else {
      value = this.blockMap(this.indent, 1);
    }
    if (this.indent !== -1) throw GIVE_UP;
    return value;
  }

  // ---- lines ----

  private isSeparator(at: number): boolean {
    const c = this.codes[at];
    return c === SPACE || c === LF || at >= this.length;
  }

  /** A `---` or `...` at the start of a line. */
  private isMarker(at: number): boolean {
    const { text } = this;
    const c = text.charCodeAt(at);
    if (c !== DASH && c !== 0x2e) return false;
    return text.charCodeAt(at + 1) === c && text.charCodeAt(at + 2) === c && this.isSeparator(at + 3);
  }

  /**
   * After a value on its line: spaces, an optional comment (after a space), the line break.
   * Sets lineEnd. With `marker`, what follows a `---` (a comment only).
   */
  private endOfLine(marker: boolean): void {
    const { text } = this;
    let spaced = marker;
    for (;;) {
      const c = this.codes[this.pos];
      if (c === SPACE) {
        this.pos++;
        spaced = true;
      } else if (c === HASH && spaced) {
        const end = text.indexOf('\n', this.pos);
        this.pos = end === -1 ? this.length : end;
      } else if (c === LF) {
        this.newLine(++this.pos);
        break;
      } else if (this.pos >= this.length) {
        break;
      } else {
        throw GIVE_UP;
      }
    }
    this.lineStart = this.pos;
    this.lineEnd = this.pos;
    this.commentAfter = false;
  }

  /** From a line start: skips blank and comment lines; sets indent and pos at the next content. */
  private nextContent(): void {
    const { text } = this;
    for (;;) {
      const start = this.pos;
      this.lineStart = start;
      let i = start;
      const { codes, length } = this;
      while (i < length && codes[i] === SPACE) i++;
      // The end is tested before a read: a read past it deoptimizes this loop once in every process.
      if (i >= length) {
        this.pos = this.length;
        this.indent = -1;
        return;
      }
      const c = codes[i]!;
      if (c === LF) {
        this.pos = i + 1;
        this.newLine(i + 1);
      } else if (c === HASH) {
        this.commentAfter = true;
        const end = text.indexOf('\n', i);
        this.pos = end === -1 ? this.length : end + 1;
        if (end === -1) {
          this.indent = -1;
          return;
        }
        this.newLine(end + 1);
      } else if (c === TAB) {
        throw GIVE_UP;
      } else {
        if (i === start && this.isMarker(i)) {
          if (c !== DASH) throw GIVE_UP; // `...`
          this.pos = i;
          this.indent = -1;
          return;
        }
        this.pos = i;
        this.indent = i - start;
        return;
      }
    }
  }

  // ---- index ----

  /** The id the next node will get. */
  private get nextNode(): number {
    return this.nodeCount / NODE;
  }

  private newNode(kind: number, start: number): number {
    const at = this.nodeCount;
    if (at + NODE > this.nodes.length) this.nodes = grow(this.nodes, at);
    const { nodes } = this;
    nodes[at] = kind;
    nodes[at + 1] = -1;
    nodes[at + 2] = start;
    nodes[at + 3] = -1;
    this.nodeCount = at + NODE;
    return at / NODE;
  }

  /** A line starts at `at` (after a line break the scan passed): for positions, no second pass. */
  private newLine(at: number): void {
    if (this.lineCount === this.lineStarts.length) this.lineStarts = grow(this.lineStarts, this.lineCount);
    this.lineStarts[this.lineCount++] = at;
  }

  /** The key table's keys by id, for the index (the table itself serves the next text). */
  keyNames(): string[] {
    return this.keys.values.slice(0, this.keys.count) as string[];
  }

  /**
   * A new entry of `node` after `last`; `quotedKey` when the key was written quoted. A key's id is
   * the last one read (keyId); a sequence's items have none.
   */
  private addEntry(node: number, last: number, keyStart: number, keyEnd: number, quotedKey?: string): number {
    const e = this.entryCount;
    if (e + ENTRY > this.entries.length) this.entries = grow(this.entries, e);
    const { entries } = this;
    entries[e + KEY_START] = keyStart;
    entries[e + KEY_END] = keyEnd;
    entries[e + VALUE_START] = -1;
    entries[e + VALUE_END] = -1;
    entries[e + CHILD] = UNSURE;
    entries[e + NEXT] = -1;
    entries[e + KEY_ID] = keyStart === -1 ? -1 : this.keyId;
    this.entryCount = e + ENTRY;
    if (quotedKey !== undefined) this.quotedKeys.set(e, quotedKey);
    if (last === -1) this.nodes[node * NODE + 1] = e;
    else entries[last + NEXT] = e;
    return e;
  }

  private setValue(entry: number, child: number, start: number, end: number): void {
    const { entries } = this;
    entries[entry + CHILD] = child;
    entries[entry + VALUE_START] = start;
    entries[entry + VALUE_END] = end;
  }

  /** A block collection ends: its range ends with its last entry's line, unless a comment may extend it. */
  private closeBlock(node: number, lastEntry: number): void {
    const sure = !this.commentAfter && this.entries[lastEntry + CHILD] !== UNSURE;
    this.nodes[node * NODE + 3] = sure && this.entries[lastEntry + VALUE_END] !== -1 ? this.lineEnd : -1;
  }

  // ---- block collections ----

  /** A block mapping whose keys sit at column `n`; pos at its first key. */
  private blockMap(n: number, depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) throw GIVE_UP;
    const { codes } = this;
    const value: Record<string, unknown> = {};
    const node = this.newNode(MAP, this.pos);
    const serial = this.newMapSerial(depth);
    let mixed = false;
    let last = -1;
    for (;;) {
      const keyStart = this.pos;
      const key = this.blockKey();
      const keyEnd = this.keyEnd;
      if (this.keyId < 0) mixed = true;
      if (mixed ? Object.prototype.hasOwnProperty.call(value, key) : this.seenBefore(depth, serial))
        throw GIVE_UP;
      const entry = this.addEntry(node, last, keyStart, keyEnd, this.keyQuoted ? key : undefined);
      last = entry;
      // pos just after the `:`
      this.skipSpaces();
      const c = codes[this.pos];
      if (c === LF || c === HASH || this.pos >= this.length) {
        this.endOfLine(true);
        this.nextContent();
        value[key] = this.nestedBlock(entry, n, depth, true);
      } else {
        value[key] = this.inlineValue(entry, n, depth);
      }
      if (this.indent === n) {
        if (codes[this.pos] === DASH && this.isSeparator(this.pos + 1)) throw GIVE_UP;
        continue;
      }
      if (this.indent > n) throw GIVE_UP;
      this.closeBlock(node, last);
      return value;
    }
  }

  /**
   * The value of an entry whose line ended after its indicator (`key:` or `-`): a collection on
   * the next lines, a sequence at the mapping's own indentation, or null.
   */
  private nestedBlock(entry: number, n: number, depth: number, ofKey: boolean): unknown {
    const { codes } = this;
    const at = this.pos;
    const dash = codes[at] === DASH && this.isSeparator(at + 1);
    if (this.indent > n || (dash && this.indent === n && ofKey)) {
      const child = this.nextNode;
      const value = dash ? this.blockSeq(this.indent, depth + 1) : this.blockMap(this.indent, depth + 1);
      this.setValue(entry, child, at, this.nodes[child * NODE + 3]!);
      return value;
    }
    this.setValue(entry, UNSURE, -1, -1);
    return null;
  }

  /** A value that starts on the line of its key or dash; leaves pos at the next content line. */
  private inlineValue(entry: number, n: number, depth: number): unknown {
    const { codes } = this;
    const start = this.pos;
    const c = codes[start];
    if (c === LBRACKET || c === LBRACE) {
      const child = this.nextNode;
      const value = this.flow(n, depth + 1);
      this.setValue(entry, child, start, this.pos);
      this.endOfLine(false);
      this.nextContent();
      return value;
    }
    if (c === DQUOTE || c === SQUOTE) {
      const value = this.quoted();
      this.setValue(entry, SCALAR, start, this.pos);
      this.endOfLine(false);
      this.nextContent();
      return value;
    }
    if (c === 0x7c || c === 0x3e) return this.blockScalar(entry, n);
    const end = this.plainEnd(false);
    const value = this.plainValue(start, end);
    this.setValue(entry, SCALAR, start, end);
    this.endOfLine(false);
    this.nextContent();
    return value;
  }

  /** A block sequence whose dashes sit at column `n`; pos at its first dash. */
  private blockSeq(n: number, depth: number): unknown[] {
    if (depth > this.maxDepth) throw GIVE_UP;
    const { codes } = this;
    const base = this.itemCount;
    const node = this.newNode(SEQ, this.pos);
    let last = -1;
    for (;;) {
      const entry = this.addEntry(node, last, -1, -1);
      last = entry;
      this.pos++; // the dash
      this.skipSpaces();
      const at = this.pos;
      const c = codes[at];
      if (c === LF || c === HASH || at >= this.length) {
        this.endOfLine(true);
        this.nextContent();
        const item = this.nestedBlock(entry, n, depth, false);
        if (this.entries[entry + CHILD] === UNSURE) throw GIVE_UP; // a null item
        this.addItem(item);
      } else if (c === DASH && this.isSeparator(at + 1)) {
        const child = this.nextNode;
        this.indent = at - this.lineStart;
        this.addItem(this.blockSeq(this.indent, depth + 1));
        this.setValue(entry, child, at, this.nodes[child * NODE + 3]!);
      } else if (c !== LBRACKET && c !== LBRACE && this.isKeyLine()) {
        const child = this.nextNode;
        this.indent = at - this.lineStart;
        this.addItem(this.blockMap(this.indent, depth + 1));
        this.setValue(entry, child, at, this.nodes[child * NODE + 3]!);
      } else {
        this.addItem(this.inlineValue(entry, n, depth));
      }
      if (this.indent === n && codes[this.pos] === DASH && this.isSeparator(this.pos + 1)) continue;
      if (this.indent > n) throw GIVE_UP;
      this.closeBlock(node, last);
      return this.takeItems(base);
    }
  }

  /**
   * Items of the sequences being read, innermost last. A sequence is copied out of it when it
   * ends, at its exact length: an array grown by push holds room for 17 items from its first, and
   * most sequences of a manifest hold one to three.
   */
  private readonly items: unknown[] = scratch.items;
  private itemCount = 0;

  private addItem(item: unknown): void {
    if (this.itemCount === this.items.length) this.items.push(item);
    else this.items[this.itemCount] = item;
    this.itemCount++;
  }

  private takeItems(base: number): unknown[] {
    const value = this.items.slice(base, this.itemCount);
    this.itemCount = base;
    return value;
  }

  /** Whether the rest of the line, from pos, starts with an implicit key (`key: ...`). */
  private isKeyLine(): boolean {
    const { text } = this;
    const c = text.charCodeAt(this.pos);
    let i = this.pos;
    if (c === DQUOTE || c === SQUOTE) {
      const save = this.pos;
      try {
        this.quoted();
      } catch (error) {
        this.pos = save;
        if (error === GIVE_UP) return false;
        throw error;
      }
      i = this.pos;
      this.pos = save;
      while (text.charCodeAt(i) === SPACE) i++;
      return text.charCodeAt(i) === COLON && this.isSeparator(i + 1);
    }
    for (; i < this.length; i++) {
      const d = text.charCodeAt(i);
      if (d === LF) return false;
      if (d === COLON && this.isSeparator(i + 1)) return true;
      if (d === HASH && text.charCodeAt(i - 1) === SPACE) return false;
    }
    return false;
  }

  private keyEnd = 0;
  private keyQuoted = false;

  /** A block mapping's key at pos; leaves pos after its `:` and keyEnd after the key's last character. */
  private blockKey(): string {
    const start = this.pos;
    // At the end of the text this reads END, which the key's scan gives up on.
    const c = this.codes[start]!;
    let key: string;
    this.keyQuoted = c === DQUOTE || c === SQUOTE;
    if (this.keyQuoted) {
      key = this.quoted();
      // A property store would set the map's prototype, where the yaml package keeps a key.
      if (key === '__proto__') throw GIVE_UP;
      this.keyId = -1;
      this.keyEnd = this.pos;
      this.skipSpaces();
      if (this.codes[this.pos] !== COLON || !this.isSeparator(this.pos + 1)) throw GIVE_UP;
    } else {
      if (!plainCanStart(c) || c === DASH) throw GIVE_UP;
      const { codes, length } = this;
      let i = start;
      for (; ; i++) {
        const d = codes[i]!;
        if ((CLASSES[d]! & PLAIN_STOP) === 0) continue;
        if (d === COLON) {
          if (this.isSeparator(i + 1)) break;
        } else if (d === END) {
          if (i >= length) throw GIVE_UP;
        } else if (d === LF || d === TAB || codes[i - 1] === SPACE) throw GIVE_UP; // `#` after a space
      }
      this.pos = i;
      let end = i;
      while (codes[end - 1] === SPACE) end--;
      key = this.plainKey(start, end);
      this.keyEnd = end;
    }
    if (this.keyEnd - start > MAX_KEY_LENGTH) throw GIVE_UP;
    // pos is at the `:` (a plain key's scan stopped only there).
    this.pos++;
    return key;
  }

  /**
   * A plain key's string, the same string object for each occurrence of the same key in the text.
   * A manifest repeats a few dozen keys thousands of times: a slice per occurrence would be
   * garbage at once (a property store interns it), and interning it is what cost most of a
   * mapping entry's time.
   */
  private plainKey(start: number, end: number): string {
    const slot = this.lookup(this.keys, start, end);
    if (slot < 0) {
      this.keyId = -slot - 1;
      return this.keys.values[-slot - 1] as string;
    }
    const raw = this.text.slice(start, end);
    if (typeof resolvePlain(raw) !== 'string' || raw === '__proto__' || raw === '<<') throw GIVE_UP;
    this.keyId = remember(this.keys, slot, start, raw, raw);
    return raw;
  }

  /**
   * The key table's id of the last key read (plainKey, blockKey), or -1 for a quoted key or one the
   * table did not take. Equal ids are equal keys, and a plain key's id is its only spelling.
   */
  private keyId = -1;

  /**
   * Duplicate keys by key id, not by a property lookup on the mapping being built
   * (Object.prototype.hasOwnProperty took a tenth of the scan): per nesting depth a row of key ids,
   * each holding the serial of the last mapping at that depth that had the key. The mappings open at
   * one time are each at a different depth, so no two share a row; a new serial empties a row.
   * A mapping that has a key without an id (quoted, or past the table) checks by property from then
   * on: the property covers every key it has.
   */
  private newMapSerial(depth: number): number {
    const needed = (depth + 1) * KEY_IDS;
    if (this.seen.length < needed) {
      const larger = new Int32Array(Math.max(needed, this.seen.length * 2));
      larger.set(this.seen);
      this.seen = larger;
      scratch.seen = larger;
    }
    if (scratch.serial === 0x7fffffff) {
      this.seen.fill(0);
      scratch.serial = 0;
    }
    return ++scratch.serial;
  }

  /** Whether the mapping at `depth` with `serial` had the last key read before; marks it had. */
  private seenBefore(depth: number, serial: number): boolean {
    const at = depth * KEY_IDS + this.keyId;
    if (this.seen[at] === serial) return true;
    this.seen[at] = serial;
    return false;
  }

  private seen: Int32Array = scratch.seen;

  /**
   * A plain scalar's value; a short one seen before in this text is the same string (or number)
   * as before. Most values of a manifest repeat (names, ports, "http", "apps/v1"): one string per
   * distinct value is less to allocate and less for the garbage collector to copy, and the
   * value's type is resolved once.
   */
  private plainValue(start: number, end: number): unknown {
    if (end - start > MAX_REMEMBERED) return resolvePlain(this.text.slice(start, end));
    const slot = this.lookup(this.scalars, start, end);
    if (slot < 0) return this.scalars.values[-slot - 1];
    const raw = this.text.slice(start, end);
    const value = resolvePlain(raw);
    remember(this.scalars, slot, start, raw, value);
    return value;
  }

  /**
   * Finds the text from start to end in a table: -(index + 1) when it is there, else the free slot
   * for it (or the table's length when the table is full, or the text's slots are taken by others).
   * The hash reads four characters, not all: the comparison reads them all anyway, and names that
   * differ elsewhere only cost a few probes, bounded by MAX_PROBES.
   */
  private lookup(table: TextTable, start: number, end: number): number {
    const { codes } = this;
    const length = end - start;
    const hash =
      Math.imul(length, 0x9e3779b1) ^
      Math.imul(codes[start]!, 0x85ebca6b) ^
      Math.imul(codes[end - 1]!, 0xc2b2ae35) ^
      // Only characters of the text itself: equal texts must hash alike wherever they stand, as
      // seenBefore relies on equal keys getting one id (the character before a one-character key
      // was read here, so `a` after a line break and `a` at the start were two keys).
      Math.imul(length > 1 ? codes[end - 2]! : 0, 0x27d4eb2f) ^
      Math.imul(codes[start + (length >> 1)]!, 0x165667b1);
    const { slots, starts, lengths } = table;
    const mask = slots.length - 1;
    let slot = (hash ^ (hash >>> 15)) & mask;
    for (let probe = 0; probe < MAX_PROBES; probe++) {
      const id = slots[slot]!;
      if (id === 0) return table.count >= slots.length >> 1 ? slots.length : slot;
      if (lengths[id - 1] === length && sameCodes(codes, starts[id - 1]!, start, length)) return -id;
      slot = (slot + 1) & mask;
    }
    return slots.length;
  }

  private readonly keys: TextTable = scratch.keys;
  private readonly scalars: TextTable = scratch.scalars;

  private skipSpaces(): void {
    const { codes } = this;
    for (;;) {
      const c = codes[this.pos];
      if (c === SPACE) this.pos++;
      else if (c === TAB) throw GIVE_UP;
      else return;
    }
  }

  /**
   * Where a plain scalar starting at pos ends (after its last non-space character); pos is left
   * after the scalar. In flow context it also ends at `,`, brackets and a `:` before a space or
   * flow indicator.
   */
  private plainEnd(flow: boolean): number {
    const { codes, length } = this;
    const start = this.pos;
    if (start >= length) throw GIVE_UP;
    const c = codes[start]!;
    if (!plainCanStart(c) || c === 0x3f || c === COLON || (c === DASH && this.isSeparator(start + 1)))
      throw GIVE_UP;
    // One table read per ordinary character (no range test): the class of every code unit.
    const stops = flow ? PLAIN_STOP | FLOW_INDICATOR : PLAIN_STOP;
    let i = start;
    for (; ; i++) {
      const d = codes[i]!;
      if ((CLASSES[d]! & stops) === 0) continue;
      if (d === LF) break;
      if (d === END) {
        if (i >= length) break;
        continue; // a NUL inside the text: part of the scalar, as before
      }
      if (d === TAB) throw GIVE_UP;
      if (d === HASH) {
        if (codes[i - 1] === SPACE) break;
      } else if (d === COLON) {
        const e = codes[i + 1]!;
        if (e === SPACE || e === LF || i + 1 >= length) {
          if (flow) break;
          throw GIVE_UP; // `a: b: c`
        }
        if (flow && (CLASSES[e]! & FLOW_INDICATOR) !== 0) break;
      } else break; // a flow indicator
    }
    let end = i;
    while (codes[end - 1] === SPACE) end--;
    this.pos = end;
    return end;
  }

  // ---- scalars ----

  /** A single-line quoted scalar at pos; leaves pos after its closing quote. */
  private quoted(): string {
    const { text } = this;
    const quote = text.charCodeAt(this.pos);
    let i = this.pos + 1;
    if (quote === SQUOTE) {
      let out = '';
      let from = i;
      for (;;) {
        const end = text.indexOf("'", i);
        if (end === -1) throw GIVE_UP;
        const newline = text.indexOf('\n', from);
        if (newline !== -1 && newline < end) throw GIVE_UP;
        if (text.charCodeAt(end + 1) === SQUOTE) {
          out += text.slice(from, end + 1);
          i = end + 2;
          from = i;
          continue;
        }
        out += text.slice(from, end);
        this.pos = end + 1;
        return out;
      }
    }
    let out = '';
    let from = i;
    for (; ; i++) {
      const c = text.charCodeAt(i);
      if (i >= this.length || c === LF) throw GIVE_UP;
      if (c === DQUOTE) break;
      if (c === 0x5c) {
        out += text.slice(from, i);
        const e = text[i + 1];
        const simple = e === undefined ? undefined : ESCAPES[e];
        if (simple !== undefined) {
          out += simple;
          i += 1;
        } else if (e === 'x' || e === 'u' || e === 'U') {
          const size = e === 'x' ? 2 : e === 'u' ? 4 : 8;
          const hex = text.slice(i + 2, i + 2 + size);
          if (hex.length !== size || !/^[0-9a-fA-F]+$/.test(hex)) throw GIVE_UP;
          const code = parseInt(hex, 16);
          if (code > 0x10ffff) throw GIVE_UP;
          out += String.fromCodePoint(code);
          i += 1 + size;
        } else {
          throw GIVE_UP;
        }
        from = i + 1;
      }
    }
    out += text.slice(from, i);
    this.pos = i + 1;
    return out;
  }

  /**
   * A literal (`|`) or folded (`>`) block scalar, the value of an entry of the collection at column
   * `n`; leaves pos at the next content line. No indentation indicator; a folded scalar with
   * more-indented or leading empty lines is given up on.
   */
  private blockScalar(entry: number, n: number): string {
    const { text } = this;
    const start = this.pos;
    const folded = text.charCodeAt(start) === 0x3e;
    this.pos++;
    let chomp = 0; // 0 clip, -1 strip, 1 keep
    const indicator = text.charCodeAt(this.pos);
    if (indicator === DASH) chomp = -1;
    else if (indicator === 0x2b) chomp = 1;
    if (chomp !== 0) this.pos++;
    const next = text.charCodeAt(this.pos);
    if (next !== SPACE && next !== LF && next !== HASH) throw GIVE_UP;
    if (next === HASH) throw GIVE_UP;
    this.endOfLine(false);
    // Content lines: find the indentation of the first non-empty one.
    const lines: string[] = [];
    let m = -1;
    let leadingSpaces = 0;
    let i = this.pos;
    let contentEnd = -1; // after the line break of the last non-empty line
    let trailing = 0; // empty lines after it
    let trailingEnd = -1;
    for (;;) {
      if (i >= this.length) break;
      let j = i;
      while (text.charCodeAt(j) === SPACE) j++;
      const c = text.charCodeAt(j);
      const lineEnd = text.indexOf('\n', j);
      if (lineEnd === -1) throw GIVE_UP; // no final line break
      if (c === LF) {
        const spaces = j - i;
        if (m === -1) leadingSpaces = Math.max(leadingSpaces, spaces);
        else if (spaces > m) throw GIVE_UP; // spaces-only content
        if (m === -1 && folded) throw GIVE_UP;
        lines.push('');
        trailing++;
        trailingEnd = lineEnd + 1;
        i = lineEnd + 1;
        this.newLine(i);
        continue;
      }
      const indent = j - i;
      if (m === -1) {
        if (indent <= n || leadingSpaces > indent) throw GIVE_UP; // an empty scalar, or bad indentation
        m = indent;
      } else if (indent < m) break;
      if (folded && indent > m) throw GIVE_UP;
      if (c === TAB && (folded || indent < m)) throw GIVE_UP;
      lines.push(text.slice(i + m, lineEnd));
      contentEnd = lineEnd + 1;
      trailing = 0;
      i = lineEnd + 1;
      this.newLine(i);
    }
    if (m === -1) throw GIVE_UP;
    const count = lines.length - trailing;
    let body: string;
    if (folded) {
      body = lines[0]!;
      let empties = 0;
      for (let k = 1; k < count; k++) {
        const line = lines[k]!;
        if (line === '') empties++;
        else {
          body += empties === 0 ? ' ' : '\n'.repeat(empties);
          body += line;
          empties = 0;
        }
      }
    } else {
      body = lines.slice(0, count).join('\n');
    }
    let end = contentEnd;
    if (chomp === 0) body += '\n';
    else if (chomp === 1) {
      body += '\n'.repeat(1 + trailing);
      if (trailing > 0) end = trailingEnd;
    }
    this.setValue(entry, SCALAR, start, end);
    this.pos = i;
    this.lineStart = i;
    this.lineEnd = end;
    this.commentAfter = trailing > 0 && chomp !== 1;
    this.nextContent();
    return body;
  }

  // ---- flow collections ----

  /** A flow collection at pos inside a block collection at column `n`; leaves pos after it. */
  private flow(n: number, depth: number): unknown {
    if (depth > this.maxDepth) throw GIVE_UP;
    const { codes } = this;
    const isMap = codes[this.pos] === LBRACE;
    const close = isMap ? RBRACE : RBRACKET;
    const node = this.newNode(isMap ? MAP : SEQ, this.pos);
    const map: Record<string, unknown> = isMap ? {} : EMPTY;
    const serial = isMap ? this.newMapSerial(depth) : 0;
    let mixed = false;
    const base = this.itemCount;
    this.pos++;
    this.flowSpace(n);
    let last = -1;
    if (codes[this.pos] === close) {
      this.pos++;
      this.nodes[node * NODE + 3] = this.pos;
      return isMap ? map : [];
    }
    for (;;) {
      let entry: number;
      if (isMap) {
        const keyStart = this.pos;
        const c = codes[keyStart];
        let key: string;
        let keyEnd: number;
        if (c === DQUOTE || c === SQUOTE) {
          key = this.quoted();
          // A property store would set the map's prototype, where the yaml package keeps a key.
          if (key === '__proto__') throw GIVE_UP;
          this.keyId = -1;
          keyEnd = this.pos;
          while (codes[this.pos] === SPACE) this.pos++;
        } else {
          keyEnd = this.plainEnd(true);
          key = this.plainKey(keyStart, keyEnd);
          while (codes[this.pos] === SPACE) this.pos++;
        }
        if (keyEnd - keyStart > MAX_KEY_LENGTH) throw GIVE_UP;
        if (codes[this.pos] !== COLON || !this.isSeparator(this.pos + 1)) throw GIVE_UP;
        if (this.keyId < 0) mixed = true;
        if (mixed ? Object.prototype.hasOwnProperty.call(map, key) : this.seenBefore(depth, serial))
          throw GIVE_UP;
        this.pos++;
        this.flowSpace(n);
        entry = this.addEntry(node, last, keyStart, keyEnd, c === DQUOTE || c === SQUOTE ? key : undefined);
        const c2 = codes[this.pos];
        if (c2 === COMMA || c2 === close) throw GIVE_UP; // an empty value
        map[key] = this.flowValue(entry, n, depth);
      } else {
        entry = this.addEntry(node, last, -1, -1);
        this.addItem(this.flowValue(entry, n, depth));
      }
      last = entry;
      this.flowSpace(n);
      const c = codes[this.pos];
      if (c === COMMA) {
        this.pos++;
        this.flowSpace(n);
        if (codes[this.pos] === close) throw GIVE_UP; // a trailing comma
        continue;
      }
      if (c !== close) throw GIVE_UP;
      this.pos++;
      this.nodes[node * NODE + 3] = this.pos;
      return isMap ? map : this.takeItems(base);
    }
  }

  private flowValue(entry: number, n: number, depth: number): unknown {
    const { codes } = this;
    const start = this.pos;
    const c = codes[start];
    if (c === LBRACKET || c === LBRACE) {
      const child = this.nextNode;
      const value = this.flow(n, depth + 1);
      this.setValue(entry, child, start, this.pos);
      return value;
    }
    if (c === DQUOTE || c === SQUOTE) {
      const value = this.quoted();
      this.setValue(entry, SCALAR, start, this.pos);
      return value;
    }
    const end = this.plainEnd(true);
    if (end === start) throw GIVE_UP;
    this.setValue(entry, SCALAR, start, end);
    return this.plainValue(start, end);
  }

  /** Spaces, comments and line breaks inside a flow collection; new lines must be indented past `n`. */
  private flowSpace(n: number): void {
    const { text } = this;
    for (;;) {
      const c = this.codes[this.pos];
      if (c === SPACE) this.pos++;
      else if (c === LF) {
        const lineStart = ++this.pos;
        this.newLine(lineStart);
        if (this.isMarker(lineStart)) throw GIVE_UP;
        while (this.codes[this.pos] === SPACE) this.pos++;
        const d = this.codes[this.pos];
        if (d !== LF && d !== HASH && this.pos - lineStart <= n) throw GIVE_UP;
        if (d === TAB || this.pos - lineStart === 0) throw GIVE_UP;
      } else if (c === HASH) {
        const before = this.codes[this.pos - 1];
        if (before !== SPACE && before !== LF) throw GIVE_UP;
        const end = text.indexOf('\n', this.pos);
        if (end === -1) throw GIVE_UP;
        this.pos = end;
      } else if (c === TAB) throw GIVE_UP;
      else return;
    }
  }
}

/** Characters a plain scalar's scan must look at: 1 in both contexts, 2 flow indicators. */
const PLAIN_STOP = 1;
const FLOW_INDICATOR = 2;
/**
 * Per UTF-16 code unit (64 KB, so a code unit indexes it without a range test): PLAIN_STOP for the
 * characters a plain scalar's or key's scan must look at (and END, the code after the text),
 * FLOW_INDICATOR for what ends one in flow context.
 */
const CLASSES = new Uint8Array(0x10000);
for (const c of [LF, TAB, HASH, COLON, END]) CLASSES[c] = PLAIN_STOP;
for (const c of [COMMA, LBRACKET, RBRACKET, LBRACE, RBRACE]) CLASSES[c] = FLOW_INDICATOR;

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  '\t': '\t',
};

/** Characters that may not start a plain scalar here (indicators, or what this reader leaves alone). */
function plainCanStart(c: number): boolean {
  switch (c) {
    case COMMA:
    case LBRACKET:
    case RBRACKET:
    case LBRACE:
    case RBRACE:
    case HASH:
    case 0x26: // &
    case 0x2a: // *
    case 0x21: // !
    case 0x7c: // |
    case 0x3e: // >
    case SQUOTE:
    case DQUOTE:
    case 0x25: // %
    case 0x40: // @
    case 0x60: // `
    case SPACE:
    case TAB:
    case LF:
      return false;
    default:
      return !Number.isNaN(c);
  }
}

/** A plain scalar's value in the YAML 1.2 core schema, tested in the yaml package's order. */
export function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0);
  // Most scalars start with a letter that no core form starts with: a string at once.
  if (
    (c >= 0x61 && c <= 0x7a && c !== 0x6e && c !== 0x74 && c !== 0x66) ||
    (c >= 0x41 && c <= 0x5a && c !== 0x4e && c !== 0x54 && c !== 0x46)
  )
    return s;
  switch (s) {
    case '':
    case '~':
    case 'null':
    case 'Null':
    case 'NULL':
      return null;
    case 'true':
    case 'True':
    case 'TRUE':
      return true;
    case 'false':
    case 'False':
    case 'FALSE':
      return false;
  }
  if (!couldBeNumber(s)) return s;
  if (/^0o[0-7]+$/.test(s)) return parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s))
    return s.slice(-3).toLowerCase() === 'nan'
      ? NaN
      : s[0] === '-'
        ? Number.NEGATIVE_INFINITY
        : Number.POSITIVE_INFINITY;
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return parseFloat(s);
  return s;
}

/**
 * Whether a scalar holds only characters a core-schema number can (digits, signs, dots, e, x, o,
 * hex digits, inf and nan): "2Gi" or "1.0.5-rc" skip the number patterns. An integer answers here.
 */
function couldBeNumber(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) continue;
    if (c >= 0x80 || NUMERIC[c] === 0) return false;
  }
  return true;
}

const NUMERIC = new Uint8Array(0x80);
for (const c of '+-.eExoabcdfABCDFinIN') NUMERIC[c.charCodeAt(0)] = 1;

/**
 * Texts seen by a scanner (keys, or short plain scalars) and what each was read as: a hash table
 * with open addressing. Past half full it takes no more (a text of thousands of distinct values):
 * the rest are sliced each time, as without it.
 */
interface TextTable {
  /** Per slot: 0 when free, else the index of its text + 1. */
  slots: Int32Array;
  /** Per text: where it first occurs in the scanned text, and its length (compared in place). */
  starts: Int32Array;
  lengths: Int32Array;
  /** Per text: its slot, so emptying the table clears only the slots in use. */
  slotOf: Int32Array;
  /** Texts remembered. */
  count: number;
  values: unknown[];
}

/** Slots of a table (a power of two), for up to half as many distinct texts. */
const TABLE_SLOTS = 2048;

/** Key ids a table hands out at most (it takes texts up to half full). */
const KEY_IDS = TABLE_SLOTS >> 1;

/** Slots a lookup tries before it takes the text for one not remembered. */
const MAX_PROBES = 8;

/** Longer plain scalars (image references, URLs, commands) repeat less: they are sliced each time. */
const MAX_REMEMBERED = 48;

function newTable(): TextTable {
  return {
    slots: new Int32Array(TABLE_SLOTS),
    starts: new Int32Array(TABLE_SLOTS >> 1),
    lengths: new Int32Array(TABLE_SLOTS >> 1),
    slotOf: new Int32Array(TABLE_SLOTS >> 1),
    count: 0,
    values: [],
  };
}

/**
 * Working memory of a scan, reused by the next one (a scan is synchronous, so one at a time): the
 * tables are emptied after each scan. Allocating these per text (a hundred files, grown by
 * doubling) cost more than the scan of a small file. Nothing read from one text is kept for another.
 */
const scratch: {
  keys: TextTable;
  scalars: TextTable;
  items: unknown[];
  codes: Uint16Array;
  /** Scanner.seenBefore's rows, and the last mapping serial handed out. */
  seen: Int32Array;
  serial: number;
} = {
  keys: newTable(),
  scalars: newTable(),
  items: [] as unknown[],
  codes: new Uint16Array(1 << 16),
  seen: new Int32Array(KEY_IDS * 16),
  serial: 0,
};

/** Past this many numbers a grown scratch array is dropped after its scan, not kept for the next. */
const MAX_KEPT_SCRATCH = 1 << 20;

function clearTable(table: TextTable): void {
  const { count, slots, slotOf } = table;
  if (count === 0) return;
  // A small file fills a few dozen of the 2 048 slots: clearing those, not all, was most of a
  // small scan's cost of emptying (and slow in a cold process).
  if (count > TABLE_SLOTS >> 4) slots.fill(0);
  else for (let id = 0; id < count; id++) slots[slotOf[id]!] = 0;
  table.count = 0;
  table.values.length = 0;
}

/** Adds a text at a free slot: its id, or -1 when the table takes no more. */
function remember(table: TextTable, slot: number, start: number, text: string, value: unknown): number {
  if (slot >= table.slots.length) return -1;
  const id = table.count++;
  table.starts[id] = start;
  table.lengths[id] = text.length;
  table.slotOf[id] = slot;
  table.values.push(value);
  table.slots[slot] = id + 1;
  return id;
}

/** Whether the code units from `a` and from `b` are the same for `length` of them. */
function sameCodes(codes: Uint16Array, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (codes[a + i] !== codes[b + i]) return false;
  return true;
}

/**
 * The text's code units in the scratch array (grown when too short), written by Buffer's UTF-16
 * encoder: native code, one copy of the text.
 */
function codeUnits(text: string): Uint16Array {
  let codes = scratch.codes;
  if (codes.length <= text.length) {
    codes = new Uint16Array(Math.max(text.length + 1, codes.length * 2));
    if (codes.length <= MAX_KEPT_SCRATCH) scratch.codes = codes;
  }
  Buffer.from(codes.buffer, codes.byteOffset, text.length * 2).write(text, 'utf16le');
  codes[text.length] = END;
  return codes;
}

/**
 * Where scans write their index (entries, nodes, line starts): a block shared by the indexes of
 * many texts, each text's part a view of it. A scan writes at the block's free end; a text read
 * claims what it wrote (keep), a text given up on leaves it to the next scan. Copying each index
 * out of a scratch array into a typed array of its own (three hundred a run, 6 MB) took more than
 * a tenth of the scan. A block stays alive while an index in it does.
 */
interface Blocks {
  block: Int32Array;
  used: number;
}

const BLOCK = 1 << 18;
const entryBlocks: Blocks = { block: new Int32Array(BLOCK), used: 0 };
const nodeBlocks: Blocks = { block: new Int32Array(BLOCK >> 2), used: 0 };
const lineBlocks: Blocks = { block: new Int32Array(BLOCK >> 3), used: 0 };

/**
 * The free end of the current block, at least `wanted` long (a new block of the same size when it
 * is not). A text that wants more than a whole block gets an array of its own, copied at its size
 * by keep(): the module never holds on to a block sized for the largest file it ever read.
 */
function open(blocks: Blocks, wanted: number): Int32Array {
  const size = blocks.block.length;
  if (wanted > size) return new Int32Array(wanted);
  if (size - blocks.used < wanted) {
    blocks.block = new Int32Array(size);
    blocks.used = 0;
  }
  return blocks.block.subarray(blocks.used);
}

/** The first `count` numbers a scan wrote: claimed in its block, or copied at their size when grown. */
function keep(blocks: Blocks, array: Int32Array, count: number): Int32Array {
  if (array.buffer !== blocks.block.buffer) return array.slice(0, count);
  blocks.used += count;
  return array.subarray(0, count);
}

/** A larger array with the first `used` numbers of `array` (its block's free end, or its own). */
function grow(array: Int32Array, used: number): Int32Array {
  const larger = new Int32Array(Math.max(1024, used * 2));
  larger.set(array.subarray(0, used));
  return larger;
}
