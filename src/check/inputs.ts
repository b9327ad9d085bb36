import {
  closeSync,
  existsSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
  type Stats,
} from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import { parseAllDocuments, visit, type Document } from 'yaml';
import type { InputProblem } from './result.js';
import { CONFIG_FILE_NAMES } from './config.js';
import { renderHelmChart, renderKustomization, type Rendered } from './render.js';

/** A file's text ready to parse, with the path shown to the user. */
export interface InputText {
  file: string;
  text: string;
  /** "markdown": check the fenced yaml/yml blocks of the text; YAML otherwise. */
  format?: 'yaml' | 'markdown';
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface CollectedInputs {
  texts: InputText[];
  skipped: SkippedFile[];
  problems: InputProblem[];
  /** The total input limit was reached: the run cannot pass, so nothing is worth parsing. */
  overLimit?: boolean;
}

export interface CollectOptions {
  cwd: string;
  /** Files, directories, globs, or "-" for standard input. */
  paths: readonly string[];
  /** Text read from standard input by the CLI, for "-". */
  stdin?: string | undefined;
  /** Glob patterns never checked, relative to `ignoreRoot`. */
  ignore?: readonly string[];
  ignoreRoot?: string;
  maxFileBytes: number;
  /** All input together (files, standard input, rendered charts); the rest is refused. */
  maxTotalBytes?: number;
  /** Environment for helm and kustomize (PATH finds them); the process environment when undefined. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

const ALWAYS_SKIPPED_DIRS = new Set(['node_modules', '.git']);
const YAML_FILE = /\.ya?ml$/i;
const MARKDOWN_FILE = /\.(?:md|markdown)$/i;
const CHART_FILE = 'Chart.yaml';
const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const GLOB_CHARS = /[*?[\]{}]/;

/** Expands paths to files and reads them, refusing what is not YAML text before it costs memory. */
export function collectInputs(options: CollectOptions): CollectedInputs {
  const out: CollectedInputs = { texts: [], skipped: [], problems: [] };
  const ignoreRoot = options.ignoreRoot ?? options.cwd;
  const isIgnored =
    options.ignore && options.ignore.length > 0 ? picomatch([...options.ignore], { dot: true }) : () => false;
  const ignored = (absolute: string): boolean => isIgnored(toPosix(relative(ignoreRoot, absolute)));
  const seen = new Set<string>();
  const show = (absolute: string): string => toPosix(relative(options.cwd, absolute)) || basename(absolute);
  const budget = new Budget(options.maxTotalBytes ?? Number.POSITIVE_INFINITY);

  const addFile = (absolute: string, explicit: boolean): void => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    if (!explicit && ignored(absolute)) return;
    readInput(absolute, show(absolute), options.maxFileBytes, budget, out);
  };
  const addRendered = (absolute: string, kind: 'helm' | 'kustomize'): void => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    const shown = show(absolute);
    const renderOptions = { cwd: options.cwd, env: options.env, maxBytes: budget.left() };
    const rendered: Rendered =
      kind === 'helm'
        ? renderHelmChart(absolute, shown, renderOptions)
        : renderKustomization(absolute, shown, renderOptions);
    if (rendered.problem) {
      out.problems.push({ file: shown, ...rendered.problem });
      return;
    }
    if (rendered.texts.length === 0) out.skipped.push({ file: shown, reason: `${kind} rendered nothing` });
    for (const text of rendered.texts) {
      const size = Buffer.byteLength(text.text);
      if (!budget.take(size, text.file, out)) return;
      out.texts.push(text);
    }
  };
  const visitDirectory = (absolute: string): boolean => {
    const kind = renderedKind(absolute);
    if (kind) addRendered(absolute, kind);
    return kind !== undefined;
  };

  for (const path of options.paths) {
    if (budget.exceeded) break;
    if (path === '-') {
      if (options.stdin === undefined)
        out.problems.push({ file: '<stdin>', message: 'no input on standard input' });
      else {
        const size = Buffer.byteLength(options.stdin);
        if (budget.take(size, '<stdin>', out))
          acceptText('<stdin>', options.stdin, size, options.maxFileBytes, out, 'yaml');
      }
      continue;
    }
    const absolute = isAbsolute(path) ? path : resolve(options.cwd, path);
    let stats: Stats | undefined;
    let statError: string | undefined;
    try {
      stats = statSync(absolute);
    } catch (error) {
      statError = (error as NodeJS.ErrnoException).code;
      stats = undefined;
    }
    if (!stats && GLOB_CHARS.test(path)) {
      const matches = globSync(path, {
        cwd: options.cwd,
        absolute: true,
        dot: false,
        ignore: ['**/node_modules/**', '**/.git/**'],
      });
      if (matches.length === 0)
        out.problems.push({ file: path, message: `no files match the pattern "${path}"` });
      for (const match of matches.sort()) addFile(match, false);
      continue;
    }
    if (!stats) {
      out.problems.push({
        file: path,
        message:
          statError === 'ELOOP'
            ? `${path} is a symbolic link loop: it never reaches a file`
            : `no such file or directory: ${path}`,
      });
      continue;
    }
    if (stats.isDirectory()) {
      if (visitDirectory(absolute)) continue;
      const before = out.texts.length + out.skipped.length + out.problems.length;
      walk(absolute, {
        visit: (file) => addFile(file, false),
        directory: visitDirectory,
        ignored,
        show,
        out,
        ancestors: new Set([realpathOrSelf(absolute)]),
      });
      if (out.texts.length + out.skipped.length + out.problems.length === before) {
        out.problems.push({
          file: show(absolute),
          message: `no YAML files (*.yaml, *.yml) in directory ${show(absolute)}`,
        });
      }
      continue;
    }
    addFile(absolute, true);
  }
  return out;
}

/** Bytes of input still accepted; the first input over the limit is refused with the limit named. */
class Budget {
  private used = 0;
  exceeded = false;

  constructor(private readonly limit: number) {}

  left(): number {
    return Math.max(0, Math.min(this.limit - this.used, 2 ** 31 - 1));
  }

  take(size: number, file: string, out: CollectedInputs): boolean {
    if (this.exceeded) return false;
    if (this.used + size > this.limit) {
      this.exceeded = true;
      out.overLimit = true;
      out.problems.push({
        file,
        message: `refused: ${file} would take the input over the ${formatMb(this.limit)} limit for all input together (maxTotalSizeMb); nothing was checked`,
        hint: 'check fewer files at a time, or raise maxTotalSizeMb in .mlready.yaml',
      });
      return false;
    }
    this.used += size;
    return true;
  }
}

/** A Helm chart or a kustomization directory is checked as what it renders to. */
function renderedKind(dir: string): 'helm' | 'kustomize' | undefined {
  if (existsSync(join(dir, CHART_FILE))) return 'helm';
  if (KUSTOMIZATION_FILES.some((name) => existsSync(join(dir, name)))) return 'kustomize';
  return undefined;
}

interface Walk {
  visit: (file: string) => void;
  /** Called for each directory first; true when it was handled (rendered) and is not to be walked. */
  directory: (dir: string) => boolean;
  ignored: (absolute: string) => boolean;
  show: (absolute: string) => string;
  out: CollectedInputs;
  /** Real paths of the directories being walked, to see a link back to one of them. */
  ancestors: Set<string>;
}

function walk(dir: string, context: Walk): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    context.out.problems.push({
      file: context.show(dir),
      message: `cannot read directory ${context.show(dir)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      const target = followLink(full, entry.name, context);
      if (!target) continue;
      isDirectory = target.isDirectory();
      isFile = target.isFile();
      if (isDirectory) {
        const real = realpathOrSelf(full);
        if (context.ancestors.has(real)) {
          context.out.skipped.push({
            file: context.show(full),
            reason: 'symbolic link back to a directory being checked (a loop); not followed',
          });
          continue;
        }
      }
    }
    if (isDirectory) {
      if (ALWAYS_SKIPPED_DIRS.has(entry.name) || context.ignored(full)) continue;
      if (context.directory(full)) continue;
      const real = realpathOrSelf(full);
      context.ancestors.add(real);
      walk(full, context);
      context.ancestors.delete(real);
    } else if (
      isFile &&
      YAML_FILE.test(entry.name) &&
      !(CONFIG_FILE_NAMES as readonly string[]).includes(entry.name)
    ) {
      context.visit(full);
    }
  }
}

/** The stats of a link's target; loops and dangling YAML links are reported, never skipped silently. */
function followLink(full: string, name: string, context: Walk): Stats | undefined {
  try {
    return statSync(full);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (context.ignored(full)) return undefined;
    if (code === 'ELOOP') {
      context.out.problems.push({
        file: context.show(full),
        message: `${context.show(full)} is a symbolic link loop: it never reaches a file`,
      });
    } else if (YAML_FILE.test(name)) {
      context.out.problems.push({
        file: context.show(full),
        message: `${context.show(full)} is a symbolic link to nothing (${code ?? 'unreadable'})`,
      });
    }
    return undefined;
  }
}

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function readInput(
  absolute: string,
  shown: string,
  maxBytes: number,
  budget: Budget,
  out: CollectedInputs,
): void {
  let size: number;
  try {
    size = statSync(absolute).size;
  } catch (error) {
    out.problems.push({
      file: shown,
      message: `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    });
    return;
  }
  if (size > maxBytes) {
    const sizeMb = formatMb(size);
    const limitMb = formatMb(maxBytes);
    out.problems.push({
      file: shown,
      message: `refused: ${shown} is ${sizeMb}, over the ${limitMb} limit for one input file`,
      hint: 'Kubernetes manifests are kilobytes; raise maxFileSizeMb in .mlready.yaml if this really is one.',
    });
    return;
  }
  if (!budget.take(size, shown, out)) return;
  let text: string;
  try {
    // One open and read for the whole file (size is within maxBytes): a first read of its head
    // alone, then of the rest, cost a second open and stat per file.
    const bytes = readWhole(absolute, size);
    const decoded = decode(bytes.subarray(0, HEAD_BYTES), () => bytes);
    if ('refused' in decoded) {
      out.problems.push({ file: shown, message: `refused: ${shown} ${decoded.refused}`, hint: decoded.hint });
      return;
    }
    text = decoded.text;
  } catch (error) {
    out.problems.push({
      file: shown,
      message: `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    });
    return;
  }
  acceptText(shown, text, size, maxBytes, out, MARKDOWN_FILE.test(absolute) ? 'markdown' : 'yaml');
}

const UTF8_HINT = 'save it as UTF-8 (iconv -f UTF-16 -t UTF-8 in.yaml > out.yaml)';

/**
 * Text from bytes: UTF-8, with or without a byte-order mark, and UTF-16 with one (editors on
 * Windows save YAML that way). Anything else with NUL bytes is binary.
 */
function decode(head: Buffer, whole: () => Buffer): { text: string } | { refused: string; hint?: string } {
  const startsWith = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (startsWith(0xff, 0xfe, 0x00, 0x00) || startsWith(0x00, 0x00, 0xfe, 0xff))
    return { refused: 'is UTF-32 text; mlready reads UTF-8 and UTF-16', hint: UTF8_HINT.replace('16', '32') };
  if (startsWith(0xff, 0xfe)) return { text: whole().subarray(2).toString('utf16le') };
  if (startsWith(0xfe, 0xff)) {
    const bytes = Buffer.from(whole().subarray(2));
    return {
      text: bytes
        .subarray(0, bytes.length - (bytes.length % 2))
        .swap16()
        .toString('utf16le'),
    };
  }
  if (head.includes(0)) {
    return looksLikeUtf16(head)
      ? { refused: 'looks like UTF-16 text without a byte-order mark', hint: UTF8_HINT }
      : { refused: 'is a binary file, not YAML' };
  }
  const bytes = whole();
  return { text: (startsWith(0xef, 0xbb, 0xbf) ? bytes.subarray(3) : bytes).toString('utf8') };
}

/** ASCII saved as UTF-16: every other byte is NUL. */
function looksLikeUtf16(head: Buffer): boolean {
  if (head.length < 4) return false;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < head.length; i++) {
    if (head[i] !== 0) continue;
    if (i % 2 === 0) evenZeros++;
    else oddZeros++;
  }
  const half = head.length / 2;
  return evenZeros > half * 0.9 || oddZeros > half * 0.9;
}

function acceptText(
  file: string,
  text: string,
  size: number,
  maxBytes: number,
  out: CollectedInputs,
  format: 'yaml' | 'markdown',
): void {
  if (size > maxBytes) {
    out.problems.push({
      file,
      message: `refused: ${file} is ${formatMb(size)}, over the ${formatMb(maxBytes)} limit for one input`,
    });
    return;
  }
  if (text.includes('\u0000')) {
    // Standard input is read as UTF-8: UTF-16 arrives as U+FFFD U+FFFD (the byte-order mark) and NULs.
    const utf16 =
      text.startsWith('\uFFFD\uFFFD') || looksLikeUtf16(Buffer.from(text.slice(0, 8000), 'latin1'));
    out.problems.push({
      file,
      message: utf16
        ? `refused: ${file} looks like UTF-16 text; standard input must be UTF-8`
        : `refused: ${file} is binary data, not YAML`,
      hint: utf16
        ? 'pass the file path instead (UTF-16 files are decoded), or convert it with iconv'
        : undefined,
    });
    return;
  }
  if (text.trim() === '') {
    out.skipped.push({ file, reason: 'empty file' });
    return;
  }
  if (format === 'markdown') {
    out.texts.push({ file, text, format });
    return;
  }
  const helm = helmTemplateLine(text);
  if (helm !== undefined) {
    out.problems.push({
      file,
      line: helm,
      column: 1,
      message: `${file} is a Helm template ({{ … }} at line ${helm}), not rendered YAML`,
      hint: 'render it first: helm template <release> <chart> | mlready check -',
    });
    return;
  }
  out.texts.push({ file, text });
}

/**
 * Helm actions, not the {{ $labels.x }} / {{ $value }} templates Prometheus alerts legitimately
 * carry in their annotations.
 */
const HELM_ACTION =
  /\{\{-?\s*(?:\.Values|\.Release|\.Chart|\.Capabilities|\.Files|\.Template|include\s|template\s|toYaml|tpl\s|define\s|if\s|else|end\b|range\s|with\s|-\s)|\|\s*nindent\s/;

/**
 * The line of the first Helm action that is part of the YAML's structure, or undefined. An action
 * inside a string value (`name: "{{ .Release.Name }}"` in a values file) is data: a values file
 * passes such strings to `tpl`, and an unrendered one elsewhere is the placeholder rule's finding.
 */
function helmTemplateLine(text: string): number | undefined {
  if (!text.includes('{{')) return undefined;
  const actions: number[] = [];
  for (const match of text.matchAll(new RegExp(HELM_ACTION.source, 'g'))) actions.push(match.index);
  if (actions.length === 0) return undefined;
  const inStrings = stringRanges(text);
  const structural = actions.find((offset) => !insideRange(inStrings, offset));
  if (structural === undefined) return undefined;
  return text.slice(0, structural).split('\n').length;
}

/**
 * Whether an offset lies in one of the ranges, sorted by start and disjoint (string scalars never
 * overlap). A binary search: searching every range for every action was quadratic, and a values
 * file of 20 000 quoted actions took ~20 s (issue 18's review).
 */
export function insideRange(ranges: readonly (readonly [number, number])[], offset: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  // The last range starting at or before the offset is the only one that can hold it.
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (ranges[middle]![0] <= offset) low = middle + 1;
    else high = middle - 1;
  }
  return high >= 0 && offset < ranges[high]![1];
}

/**
 * Source ranges of the string scalars of a text that parses as YAML, sorted by start; none when
 * it does not.
 */
function stringRanges(text: string): [number, number][] {
  const ranges: [number, number][] = [];
  try {
    for (const doc of parseAllDocuments(text, { uniqueKeys: false }) as Document[]) {
      if (doc.errors.length > 0) return [];
      visit(doc, {
        Scalar(_key, node) {
          if (typeof node.value === 'string' && node.range) ranges.push([node.range[0], node.range[1]]);
        },
      });
    }
  } catch {
    return [];
  }
  // visit() goes in document order, which is source order; sorted anyway, so the search never
  // depends on it.
  return ranges.sort((a, b) => a[0] - b[0]);
}

const HEAD_BYTES = 8000;

/** The file's bytes, at most `size` of them (its size when it was looked at). */
function readWhole(absolute: string, size: number): Buffer {
  const fd = openSync(absolute, 'r');
  try {
    const buffer = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
