#!/usr/bin/env node
// Links the compiled CLI (dist/cli/main.js) into a few ES modules under dist/bundle/ with esbuild,
// so a start-up reads a handful of files instead of resolving ~130 modules one by one (issue 18).
// Lazy command imports stay lazy (code splitting): `check` and `--help` load only their chunks.
// Packages that load files beside themselves (native addons, WebAssembly, templates) or that are
// required by name at run time stay external, resolved from node_modules as before.
import { rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { globSync } from 'tinyglobby';

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

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { mlready: resolve(root, 'dist/cli/main.js') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunk-[hash]',
  legalComments: 'linked',
  // Less source to parse at every start; names stay readable in --debug stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  // Bundled CommonJS packages (commander) require Node's built-ins; ES modules have no require.
  banner: {
    js: "import { createRequire as __mlreadyCreateRequire } from 'node:module';\nconst require = __mlreadyCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
  plugins: [keepImportMetaUrl, lazyPackages, treeShakeClientNode, externalPackages],
});

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
}
