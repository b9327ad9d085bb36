#!/usr/bin/env node
// Links the compiled CLI (dist/) into a few files under dist/bundle/ with esbuild, so a start-up reads
// a handful of files instead of resolving ~130 modules one by one (issue 18):
// - cli.cjs (src/cli/main.ts: commander and the program) and check.cjs (the check command), CommonJS
//   that dist/bundle/mlready.cjs (src/cli/start.ts) runs with a V8 code cache written beside each
//   (src/cli/code-cache.ts): Node 20 caches no compiled ES modules, and compiling them was the
//   largest part of a `check`'s start-up;
// - the other commands as ES modules (command-*.js, with code splitting), imported when they run,
//   as before: their packages (execa, ora, @inquirer/prompts, …) are ES modules.
// Packages that load files beside themselves (native addons, WebAssembly, templates) or that are
// required by name at run time stay external, resolved from node_modules as before.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { globSync } from 'tinyglobby';
import { wrapBundle } from '../dist/cli/code-cache.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = resolve(root, 'dist/bundle');
/** Pure-JavaScript dependencies of the start-up path, linked into the bundle. */
const BUNDLED = new Set([
  // deploy, rollback, status, history: ~2 500 generated modules, import 0.72 s resolved one by one,
  // 0.23 s linked (measured on the 2-core machine); only those commands load its chunk.
  '@kubernetes/client-node',
  'chalk',
  'commander',
  'js-yaml',
  'picomatch',
  'shell-quote',
  'tinyglobby',
  'fdir',
  'yaml',
]);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Each module keeps reading files relative to where tsc put it (schemas/, templates/, package.json). */
const keepImportMetaUrl = {
  name: 'keep-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const original = relative(outdir, args.path).split('\\').join('/');
      return {
        contents: text.replaceAll(
          'import.meta.url',
          `new URL(${JSON.stringify(original)}, import.meta.url).href`,
        ),
        loader: 'js',
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * The ES modules that the CommonJS bundles import when a command runs, by the module that tsc wrote
 * (dist/…) and the file the ES module build writes for it (dist/bundle/…). Every output lies
 * directly in dist/bundle/, beside the chunks: keepImportMetaUrl rewrites import.meta.url relative
 * to that folder, so an entry one folder down resolved every path one level wrong (the templates,
 * the bundled prompt set, bin/mlready.js for --workers; test/cli.test.ts checks each URL).
 */
const ESM_ENTRIES = {
  'cli/commands/deploy.js': 'command-deploy.js',
  'cli/commands/drift.js': 'command-drift.js',
  'cli/commands/init.js': 'command-init.js',
  'cli/commands/loadtest.js': 'command-loadtest.js',
  'cli/commands/rules.js': 'command-rules.js',
  'cli/commands/scaffold.js': 'command-scaffold.js',
  'check/staged.js': 'check-staged.js',
};
const dist = resolve(root, 'dist');

/**
 * For the CommonJS bundles, which a vm.Script runs (src/cli/code-cache.ts): import.meta.url becomes
 * the URL of the file tsc wrote (from __mlready.url, the bundle's own), and a lazy import() of one of
 * ESM_ENTRIES goes through the loader (__mlready.import): a vm.Script has no import() of its own.
 * Every rewrite is counted, and a bundle left with an import() fails the build (see below).
 */
const commonJsModules = {
  name: 'common-js-modules',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      let contents = text.replaceAll('import.meta.url', () => {
        const original = relative(outdir, args.path).split('\\').join('/');
        return `new URL(${JSON.stringify(original)}, __mlready.url).href`;
      });
      contents = contents.replace(/\bimport\((['"])(\.{1,2}\/[^'"]+)\1\)/g, (call, _quote, specifier) => {
        const target = relative(dist, resolve(dirname(args.path), specifier))
          .split('\\')
          .join('/');
        const output = ESM_ENTRIES[target];
        return output === undefined ? call : `__mlready.import(${JSON.stringify(output)})`;
      });
      // fdir (tinyglobby's walker) requires picomatch through createRequire when it loads, which
      // esbuild cannot follow: 6 files resolved and compiled at every start. A plain require()
      // links the copy that src/check/inputs.ts already bundles. If fdir changes, nothing matches
      // and it loads picomatch as before.
      if (/[\\/]node_modules[\\/]fdir[\\/]/.test(args.path))
        contents = contents.replace(
          /__require\.resolve\("picomatch"\);\s*pm = __require\("picomatch"\);/,
          'pm = require("picomatch");',
        );
      if (contents === text) return undefined;
      return { contents, loader: 'js', resolveDir: dirname(args.path) };
    });
  },
};

/** In cli.cjs, the check command is check.cjs, run (with its own code cache) when `check` runs. */
const checkFromItsBundle = {
  name: 'check-from-its-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/commands\/check\.js$/ }, (args) =>
      args.importer === resolve(dist, 'cli/program.js')
        ? { path: 'check.cjs', namespace: 'check-bundle' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'check-bundle' }, () => ({
      contents: 'module.exports = __mlready.load("check.cjs");',
      loader: 'js',
    }));
  },
};

/**
 * One set of error classes per process, whichever bundle loads first: the CLI tells mlready's errors
 * from bugs with instanceof (src/errors.ts isMlreadyError), and cli.cjs, check.cjs and the ES module
 * chunks of the other commands each link their own copy of src/errors.ts.
 */
const ERROR_EXPORTS = Object.keys(await import(pathToFileURL(resolve(dist, 'errors.js')).href)).sort();
const sharedErrors = {
  name: 'shared-errors',
  setup(b) {
    const errors = resolve(dist, 'errors.js');
    b.onResolve({ filter: /^mlready-own-errors$/ }, () => ({ path: errors, namespace: 'own-errors' }));
    b.onLoad({ filter: /.*/, namespace: 'own-errors' }, async () => ({
      contents: await readFile(errors, 'utf8'),
      loader: 'js',
      resolveDir: dirname(errors),
    }));
    b.onLoad({ filter: /[\\/]dist[\\/]errors\.js$/ }, (args) =>
      args.path === errors
        ? {
            contents: [
              "import * as own from 'mlready-own-errors';",
              "const shared = (globalThis[Symbol.for('mlready.errors')] ??= own);",
              ...ERROR_EXPORTS.map((name) => `export const ${name} = shared.${name};`),
            ].join('\n'),
            loader: 'js',
            resolveDir: dirname(errors),
          }
        : undefined,
    );
  },
};

const externalPackages = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./#]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return BUNDLED.has(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * @kubernetes/client-node's index re-exports every part of it (exec, attach, cp, port-forward,
 * informers, metrics), and its package.json does not say that its modules have no side effects,
 * so esbuild kept all of them, with their CommonJS dependencies (ws, tar-fs, …) loaded at every
 * start of a cluster command. Its modules only declare classes and functions: marked free of side
 * effects, esbuild links only what mlready uses.
 */
const treeShakeClientNode = {
  name: 'tree-shake-client-node',
  setup(b) {
    const inside = /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/;
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'tree-shake-client-node') return undefined;
      const fromClient = args.path === '@kubernetes/client-node' || inside.test(args.importer);
      if (!fromClient || args.path.startsWith('node:')) return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'tree-shake-client-node',
      });
      if (resolved.errors.length > 0 || resolved.external || !inside.test(resolved.path)) return undefined;
      return { path: resolved.path, sideEffects: false };
    });
  },
};

/**
 * client-node's KubeConfig imports, for every cluster command, what only some kubeconfigs use:
 * socks-proxy-agent (with socks and ip-address) for a socks5:// proxy-url, openid-client (with
 * oauth4webapi and jose) for the oidc auth provider, jsonpath-plus for the azure and gcp ones.
 * Loading them took ~0.1 s of CPU at each start (node --cpu-prof). Each is replaced by a module
 * with the same exports that loads the package at its first use; esbuild warns at build time if
 * client-node uses an export the shim lacks.
 */
const LAZY = {
  'socks-proxy-agent': [
    'export class SocksProxyAgent {',
    '  constructor(...args) {',
    "    const { SocksProxyAgent: Agent } = load('socks-proxy-agent');",
    '    return new Agent(...args);',
    '  }',
    '}',
  ],
  'openid-client': [
    // An ES module: imported, not required. A variable keeps esbuild from resolving it here.
    "const name = 'openid-client';",
    'export const discovery = async (...args) => (await import(name)).discovery(...args);',
    'export const refreshTokenGrant = async (...args) => (await import(name)).refreshTokenGrant(...args);',
  ],
  'jsonpath-plus': ["export const JSONPath = (...args) => load('jsonpath-plus').JSONPath(...args);"],
};
const lazyPackages = {
  name: 'lazy-packages',
  setup(b) {
    // Only client-node's imports: mlready's own (src/k8s/oidc.ts) already loads openid-client lazily
    // and needs all of it, so it stays external.
    b.onResolve({ filter: /^(socks-proxy-agent|openid-client|jsonpath-plus)$/ }, (args) =>
      /[\\/]node_modules[\\/]@kubernetes[\\/]client-node[\\/]/.test(args.importer)
        ? { path: args.path, namespace: 'lazy-packages' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-packages' }, (args) => ({
      contents: [
        "import { createRequire } from 'node:module';",
        'const load = (name) => createRequire(import.meta.url)(name);',
        ...LAZY[args.path],
      ].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
  },
};

/**
 * Node built-ins that bundled packages load at start-up for what mlready never asks of them
 * (issue 18): commander requires node:child_process (with net and dgram, ~3.6 ms of every start)
 * for executable subcommands, which mlready has none of; chalk's supports-color loads node:tty and
 * node:os (~2.9 ms) to guess a default colour level, and mlready builds every Chalk with an
 * explicit level (src/cli/io.ts decides colour). Each is replaced, for that package only, by a
 * module that loads nothing until it is used (child_process) or answers "no colour" (the level
 * of chalk's default instances, which mlready does not use).
 */
const SHIMS = {
  'node:child_process': {
    from: 'commander',
    contents: "exports.spawn = (...args) => require('node:child_process').spawn(...args);",
  },
  '#supports-color': {
    from: 'chalk',
    contents:
      'export function createSupportsColor() { return false; }\nexport default { stdout: false, stderr: false };',
  },
};
const startUpShims = {
  name: 'start-up-shims',
  setup(b) {
    b.onResolve({ filter: /^(node:child_process|#supports-color)$/ }, (args) => {
      const from = new RegExp(`[\\\\/]node_modules[\\\\/]${SHIMS[args.path].from}[\\\\/]`);
      return from.test(args.importer) ? { path: args.path, namespace: 'start-up-shims' } : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'start-up-shims' }, (args) => ({
      contents: SHIMS[args.path].contents,
      loader: 'js',
      resolveDir: root,
    }));
  },
};

rmSync(outdir, { recursive: true, force: true });
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  legalComments: 'linked',
  // Less source to parse at every start; names stay readable in --debug stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: Object.fromEntries(
    Object.entries(ESM_ENTRIES).map(([from, to]) => [to.slice(0, -'.js'.length), resolve(dist, from)]),
  ),
  outdir,
  splitting: true,
  format: 'esm',
  chunkNames: 'chunk-[hash]',
  // Bundled CommonJS packages (commander) require Node's built-ins; ES modules have no require.
  banner: {
    js: "import { createRequire as __mlreadyCreateRequire } from 'node:module';\nconst require = __mlreadyCreateRequire(import.meta.url);",
  },
  plugins: [
    sharedErrors,
    keepImportMetaUrl,
    lazyPackages,
    startUpShims,
    treeShakeClientNode,
    externalPackages,
  ],
});
// The entry, required by bin/mlready.js: CommonJS too, so a start-up never starts Node's ES module
// loader unless a command of the ES module chunks runs (~6 ms of CPU). Its import.meta.url is
// only resolved against (../bundle/, ../crd/): dist/bundle/ and dist/cli/ are siblings.
await build({
  ...common,
  entryPoints: [resolve(dist, 'cli/start.js')],
  outfile: resolve(outdir, 'mlready.cjs'),
  format: 'cjs',
  define: { 'import.meta.url': '__mlreadyEntryUrl' },
  banner: { js: 'const __mlreadyEntryUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [externalPackages],
});
for (const [name, entry] of [
  ['cli.cjs', 'cli/main.js'],
  ['check.cjs', 'cli/commands/check.js'],
]) {
  const outfile = resolve(outdir, name);
  await build({
    ...common,
    entryPoints: [resolve(dist, entry)],
    outfile,
    format: 'cjs',
    plugins: [sharedErrors, checkFromItsBundle, commonJsModules, startUpShims, externalPackages],
  });
  // What a vm.Script cannot run: an import() left in the bundle would fail only when reached.
  const code = readFileSync(outfile, 'utf8');
  const left = /(?<![\w.$])import\(/.exec(code);
  if (left)
    throw new Error(
      `${name} holds an import() (add its module to ESM_ENTRIES): ${left.input.slice(left.index - 80, left.index + 80)}`,
    );
  // The file is the source V8 compiles, wrapper included (src/cli/code-cache.ts runBundle).
  writeFileSync(outfile, wrapBundle(code));
}

// kubernetes-models' custom resource validators, one CommonJS file per kind under dist/crd/, with
// each package's runtime (@kubernetes-models/validate and base, ajv's formats, the apimachinery
// schemas, …) linked once into dist/crd/<package>/runtime.cjs that its kinds share: requiring
// ServiceMonitor from node_modules resolved and compiled 65 modules (every ajv-i18n locale, uri-js,
// nearley, …), ~100 ms of `check examples/llm-chat`. src/manifest/kubernetes-schema.ts requires
// these files when they exist, the packages otherwise.
const CRD_PACKAGES = [
  '@kubernetes-models/istio',
  '@kubernetes-models/keda',
  '@kubernetes-models/prometheus-operator',
];
/** re2-wasm compiles its WebAssembly on load: the validators get it on their first Go-syntax pattern. */
const lazyRe2 = {
  name: 'lazy-re2',
  setup(b) {
    b.onResolve({ filter: /^@kubernetes-models\/validate\/runtime\/re2$/ }, () => ({
      path: 'lazy-re2',
      namespace: 'lazy-re2',
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-re2' }, () => ({
      contents: `let RE2;
class LazyRe2 {
  constructor(source, flags) { this.source = source; this.flags = flags; }
  test(text) {
    this.compiled ??= new (RE2 ??= require('re2-wasm').RE2)(this.source, this.flags);
    return this.compiled.test(text);
  }
}
module.exports = { __esModule: true, default: LazyRe2 };`,
      loader: 'js',
    }));
  },
};
const crdOptions = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  external: ['re2-wasm'],
  legalComments: 'linked',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};
for (const pkg of CRD_PACKAGES) {
  const pkgDir = resolve(root, 'node_modules', pkg);
  const entries = {};
  for (const file of globSync('*/*/*.js', { cwd: pkgDir })) {
    const [group, version, name] = file.split('/');
    if (name === 'index.js' || group.startsWith('_') || !/^v[0-9a-z]+$/.test(version)) continue;
    entries[`${group}/${version}/${name.slice(0, -3)}`] = resolve(pkgDir, file);
  }
  // What the package's own files require from other packages comes from the shared runtime.
  const shared = new Set();
  const fromRuntime = {
    name: 'from-runtime',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        const own =
          args.importer.startsWith(`${pkgDir}/`) && !args.importer.includes('/node_modules/', pkgDir.length);
        if (!own || args.path === 're2-wasm') return undefined;
        shared.add(args.path);
        return { path: args.path, namespace: 'from-runtime' };
      });
      b.onLoad({ filter: /.*/, namespace: 'from-runtime' }, (args) => ({
        contents: `module.exports = require(__dirname + '/../../runtime.cjs')[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
    },
  };
  const outdir = resolve(root, 'dist/crd', pkg);
  await build({
    ...crdOptions,
    entryPoints: entries,
    outdir,
    outExtension: { '.js': '.cjs' },
    plugins: [fromRuntime],
  });
  await build({
    ...crdOptions,
    stdin: {
      contents: `module.exports = {\n${[...shared]
        .sort()
        .map((s) => `  ${JSON.stringify(s)}: require(${JSON.stringify(s)}),`)
        .join('\n')}\n};`,
      resolveDir: pkgDir,
      sourcefile: `${pkg}/runtime.js`,
    },
    outfile: resolve(outdir, 'runtime.cjs'),
    plugins: [lazyRe2],
  });
  // The version these validators were built from: src/manifest/kubernetes-schema.ts walks
  // schemas/crd-shapes.json in their place only where the table was read from the same version.
  const { version } = JSON.parse(readFileSync(resolve(pkgDir, 'package.json'), 'utf8'));
  writeFileSync(resolve(outdir, 'version.json'), `${JSON.stringify({ version })}\n`);
}

// The V8 code cache of cli.cjs, check.cjs and the custom resource validators under dist/crd/ that
// it requires: `check` on the bundled example, in a process that writes each file's cache at its
// exit with the functions that run compiled (src/cli/start.ts). Once per set of compiler settings the
// CLI may run under (src/cli/compiler-tuning.ts: with several CPUs, and on one): the caches are keyed,
// and named, on them.
// A cache only speeds the start; a build without one still works, so a failure here is a warning.
const example = resolve(root, 'examples/llm-chat');
if (existsSync(example)) {
  for (const old of globSync('**/*.v8cache', { cwd: dist })) rmSync(resolve(dist, old));
  const count = (pattern) => globSync(pattern, { cwd: dist }).length;
  // Each set named (MLREADY_V8_TUNING), not left to this machine's CPUs: a build on one CPU would
  // otherwise train the one-CPU set twice.
  for (const [settings, tuning] of [
    ['several-CPU', 'multi-cpu'],
    ['one-CPU', 'one-cpu'],
  ]) {
    const bundles = count('bundle/*.v8cache');
    const training = spawnSync(process.execPath, [resolve(root, 'bin/mlready.js'), 'check', example], {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1', MLREADY_WRITE_CODE_CACHE: '1', MLREADY_V8_TUNING: tuning },
      encoding: 'utf8',
    });
    if ((training.status !== 0 && training.status !== 1) || count('bundle/*.v8cache') < bundles + 2)
      console.warn(
        `mlready: no V8 code cache for the bundles under the ${settings} settings (check exited ${training.status}): ${training.stderr}`,
      );
    // The custom resource validators run only for objects the table walk cannot prove, and the
    // example has none: a second run over objects that need them writes their caches, and only
    // theirs (the bundles' caches stay trained on the example).
    const validators = count('crd/**/*.v8cache');
    const crdTraining = spawnSync(
      process.execPath,
      [resolve(root, 'bin/mlready.js'), 'check', resolve(root, 'scripts/crd-training.yaml')],
      {
        cwd: root,
        env: { ...process.env, NO_COLOR: '1', MLREADY_WRITE_CODE_CACHE: 'crd', MLREADY_V8_TUNING: tuning },
        encoding: 'utf8',
      },
    );
    if ((crdTraining.status !== 0 && crdTraining.status !== 1) || count('crd/**/*.v8cache') === validators)
      console.warn(
        `mlready: no V8 code cache for the custom resource validators under the ${settings} settings (check exited ${crdTraining.status}): ${crdTraining.stderr}`,
      );
  }
}
