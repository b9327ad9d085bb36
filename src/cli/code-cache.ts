import { isAscii } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Module, createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cachedDataVersionTag } from 'node:v8';
import { Script } from 'node:vm';

/**
 * Runs the CommonJS bundles of the CLI (scripts/bundle.mjs: dist/bundle/cli.cjs and check.cjs) with
 * the V8 code cache the build wrote beside each, so a start-up deserializes bytecode instead of
 * parsing and compiling ~1 MB of source (issue 18). Node 20 has no compile cache for ES modules
 * (module.enableCompileCache is Node 22), hence CommonJS run through vm.Script with cachedData.
 *
 * Written here rather than taken from v8-compile-cache: that package writes its cache when a module
 * is compiled, before the run, so it holds none of the functions V8 compiles lazily (most of a
 * `check`); it hooks every require() of the process; and it writes its blob and map as two files
 * behind a lock file that a killed process leaves behind.
 *
 * The cache is an optimisation only: a cache that is missing, written for other source (a rebuilt
 * bundle), another Node or V8 flags, truncated or corrupt is not used, and the bundle is compiled
 * from its source as without one. V8 checks only the source's length, so the source's hash and the
 * data's hash are checked here before V8 sees the data.
 */

/** What happened to a bundle's code cache when it was loaded. */
export type CacheUse = 'used' | 'missing' | 'stale' | 'corrupt' | 'rejected';

/** Called by a bundle, in place of a lazy import() of another bundle or of an ES module chunk. */
export interface BundleHost {
  /** The bundle's file URL (a module's import.meta.url is resolved against it). */
  url: string;
  /** Runs another CommonJS bundle of the same folder (with its code cache) and returns its exports. */
  load(name: string): Record<string, unknown>;
  /** Imports an ES module of the same folder (vm scripts have no import() of their own). */
  import(name: string): Promise<unknown>;
}

interface Loaded {
  file: string;
  script: Script;
  key: string;
  /** Its cache file, named when it was compiled (under the flags it was compiled with). */
  cacheFile: string;
  use: CacheUse;
}

const loaded: Loaded[] = [];

/**
 * The cache file of a bundle under V8's present flags: one file per flag set (V8's tag, in the key
 * as well), since the CLI runs under one of two sets of compiler settings (src/cli/compiler-tuning.ts)
 * and the build writes a cache for each.
 */
export function cacheFileOf(file: string): string {
  return `${file}.${cachedDataVersionTag()}.v8cache`;
}

const sha1 = (data: string | Uint8Array) => createHash('sha1').update(data).digest('hex');

/**
 * What a bundle's file holds before and after its CommonJS code (scripts/bundle.mjs writes it so):
 * the function Node's own CommonJS wrapper would make, with `__mlready` (BundleHost) added. Written
 * into the file at build time, on the code's first line, so the file is the exact source V8 compiles:
 * its bytes are hashed as read (hashing a string first converts it to UTF-8) and an ASCII file becomes
 * V8's string without decoding or concatenating ~1 MB at every start (~3 ms of a `check`'s start).
 */
export const BUNDLE_PREFIX = '(function (exports, require, module, __filename, __dirname, __mlready) {';
export const BUNDLE_SUFFIX = '\n})';

/** A bundle's file from its CommonJS code (scripts/bundle.mjs and tests). */
export function wrapBundle(code: string): string {
  return `${BUNDLE_PREFIX}${code}${BUNDLE_SUFFIX}`;
}

/** Source (by the sha1 of its UTF-8 bytes), Node, architecture and V8's tag (its version and the flags that change code). */
function cacheKey(source: string | Uint8Array): string {
  return `${sha1(source)} ${process.version} ${process.arch} ${cachedDataVersionTag()}`;
}

/** The cache file holds one JSON line ({ key, sha1 of the data }) and then V8's data. */
function readCache(cacheFile: string, key: string): { data?: Buffer; use: CacheUse } {
  let bytes: Buffer;
  try {
    bytes = readFileSync(cacheFile);
  } catch {
    return { use: 'missing' };
  }
  try {
    const newline = bytes.indexOf(10);
    if (newline < 0) return { use: 'corrupt' };
    const header = JSON.parse(bytes.subarray(0, newline).toString('utf8')) as {
      key?: unknown;
      sha1?: unknown;
    };
    if (header.key !== key) return { use: 'stale' };
    const data = bytes.subarray(newline + 1);
    if (header.sha1 !== sha1(data)) return { use: 'corrupt' };
    return { data, use: 'used' };
  } catch {
    return { use: 'corrupt' };
  }
}

/**
 * Compiles a wrapped source with its code cache, when a usable one is there. `bytes` are the
 * source's UTF-8 bytes when the caller has them (cheaper to hash than the string).
 */
function compile(file: string, wrapped: string, bytes?: Uint8Array): Script {
  const key = cacheKey(bytes ?? wrapped);
  const cacheFile = cacheFileOf(file);
  const { data, use } = readCache(cacheFile, key);
  const script = new Script(wrapped, { filename: file, cachedData: data });
  const rejected = data && script.cachedDataRejected === true;
  loaded.push({ file, script, key, cacheFile, use: rejected ? 'rejected' : use });
  return script;
}

/**
 * Runs a bundle (its CommonJS code wrapped by `wrapBundle`) with its code cache, if a usable one is
 * there; returns its exports.
 */
export function runBundle(file: string): Record<string, unknown> {
  const bytes = readFileSync(file);
  if (!startsWithPrefix(bytes)) throw new Error(`${file} is not a bundle written by scripts/bundle.mjs`);
  // latin1 of ASCII bytes is the same text, copied as it is (esbuild escapes non-ASCII characters).
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const script = compile(file, source, bytes);
  const folder = dirname(file);
  const host: BundleHost = {
    url: pathToFileURL(file).href,
    load: (name) => runBundle(join(folder, name)),
    import: (name) => import(pathToFileURL(join(folder, name)).href),
  };
  const module = { exports: {} as Record<string, unknown> };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, folder, host);
  return module.exports;
}

const PREFIX_BYTES = Buffer.from(BUNDLE_PREFIX, 'latin1');

function startsWithPrefix(bytes: Buffer): boolean {
  return bytes.length >= PREFIX_BYTES.length && PREFIX_BYTES.equals(bytes.subarray(0, PREFIX_BYTES.length));
}

type CompileModule = (this: Module, content: string, filename: string) => unknown;

/**
 * CommonJS files that require() loads from `folder` are compiled with a code cache as well: the
 * custom resource validators under dist/crd/ (one file per kind and a runtime they share, ~300 KB
 * for a ServiceMonitor), which src/manifest/kubernetes-schema.ts requires when an input holds such
 * a kind. Node's own compile step is replaced for those files only, as v8-compile-cache does for
 * every file.
 */
export function cacheRequiredUnder(folder: string): void {
  const prototype = Module.prototype as unknown as { _compile: CompileModule };
  const ownCompile = prototype._compile;
  prototype._compile = function (content, filename) {
    if (!filename.startsWith(folder)) return ownCompile.call(this, content, filename);
    const wrapper = compile(filename, Module.wrap(content)).runInThisContext() as (
      ...args: unknown[]
    ) => void;
    const exports = this.exports as unknown;
    return wrapper.call(exports, exports, createRequire(filename), this, filename, dirname(filename));
  };
}

/** The bundles run in this process and what happened to each one's cache. */
export function loadedBundles(): { file: string; use: CacheUse }[] {
  return loaded.map(({ file, use }) => ({ file, use }));
}

/**
 * Writes the code cache of every bundle run in this process (or only of those under `folder`), with
 * the functions compiled so far (call it after the work). Each file is written to a temporary name
 * and renamed over the old one, so a reader never sees half a file. Returns what could not be
 * written; never throws.
 */
export function writeCodeCaches(folder?: string): string[] {
  const failures: string[] = [];
  for (const { file, script, key, cacheFile: target } of loaded) {
    if (folder !== undefined && !file.startsWith(folder)) continue;
    const temporary = `${target}.${process.pid}.tmp`;
    try {
      const data = script.createCachedData();
      const header = Buffer.from(`${JSON.stringify({ key, sha1: sha1(data) })}\n`, 'utf8');
      writeFileSync(temporary, Buffer.concat([header, data]));
      renameSync(temporary, target);
    } catch (error) {
      rmSync(temporary, { force: true });
      failures.push(`${target}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  return failures;
}
