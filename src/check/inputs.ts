import { closeSync, openSync, readdirSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve, sep } from 'node:path';
import picomatch from 'picomatch';
import { globSync } from 'tinyglobby';
import type { InputProblem } from './result.js';
import { CONFIG_FILE_NAMES } from './config.js';

/** A file's text ready to parse, with the path shown to the user. */
export interface InputText {
  file: string;
  text: string;
}

export interface SkippedFile {
  file: string;
  reason: string;
}

export interface CollectedInputs {
  texts: InputText[];
  skipped: SkippedFile[];
  problems: InputProblem[];
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
}

const ALWAYS_SKIPPED_DIRS = new Set(['node_modules', '.git']);
const YAML_FILE = /\.ya?ml$/i;
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

  const addFile = (absolute: string, explicit: boolean): void => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    if (!explicit && ignored(absolute)) return;
    readInput(absolute, show(absolute), options.maxFileBytes, out);
  };

  for (const path of options.paths) {
    if (path === '-') {
      if (options.stdin === undefined)
        out.problems.push({ file: '<stdin>', message: 'no input on standard input' });
      else acceptText('<stdin>', options.stdin, Buffer.byteLength(options.stdin), options.maxFileBytes, out);
      continue;
    }
    const absolute = isAbsolute(path) ? path : resolve(options.cwd, path);
    let stats: Stats | undefined;
    try {
      stats = statSync(absolute);
    } catch {
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
      out.problems.push({ file: path, message: `no such file or directory: ${path}` });
      continue;
    }
    if (stats.isDirectory()) {
      const before = out.texts.length + out.skipped.length + out.problems.length;
      walk(absolute, (file) => addFile(file, false), ignored);
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

function walk(dir: string, visit: (file: string) => void, ignored: (absolute: string) => boolean): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (ALWAYS_SKIPPED_DIRS.has(entry.name) || ignored(full)) continue;
      walk(full, visit, ignored);
    } else if (
      entry.isFile() &&
      YAML_FILE.test(entry.name) &&
      !(CONFIG_FILE_NAMES as readonly string[]).includes(entry.name)
    ) {
      visit(full);
    }
  }
}

function readInput(absolute: string, shown: string, maxBytes: number, out: CollectedInputs): void {
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
  if (looksBinary(absolute)) {
    out.problems.push({ file: shown, message: `refused: ${shown} is a binary file, not YAML` });
    return;
  }
  let text: string;
  try {
    text = readFileSync(absolute, 'utf8');
  } catch (error) {
    out.problems.push({
      file: shown,
      message: `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    });
    return;
  }
  acceptText(shown, text, size, maxBytes, out);
}

function acceptText(file: string, text: string, size: number, maxBytes: number, out: CollectedInputs): void {
  if (size > maxBytes) {
    out.problems.push({
      file,
      message: `refused: ${file} is ${formatMb(size)}, over the ${formatMb(maxBytes)} limit for one input`,
    });
    return;
  }
  if (text.includes('\u0000')) {
    out.problems.push({ file, message: `refused: ${file} is binary data, not YAML` });
    return;
  }
  if (text.trim() === '') {
    out.skipped.push({ file, reason: 'empty file' });
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

function helmTemplateLine(text: string): number | undefined {
  if (!text.includes('{{')) return undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (HELM_ACTION.test(lines[i]!)) return i + 1;
  }
  return undefined;
}

function looksBinary(absolute: string): boolean {
  const buffer = Buffer.alloc(8000);
  let fd: number | undefined;
  try {
    fd = openSync(absolute, 'r');
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, read).includes(0);
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function formatMb(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}
