// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const FS_WRITES = ['writeFileSync', 'writeFile', 'appendFileSync', 'appendFile', 'createWriteStream'];
const GATE_MESSAGE =
  'Text leaves mlready through the redaction gate: write files with io.writeFile (src/cli/gate.ts).';

/** @param {{ process: boolean, k8s: boolean, fsWrite?: boolean }} which */
function restrictedImports(which) {
  const paths = [];
  if (which.fsWrite !== false) {
    for (const name of ['fs', 'node:fs', 'fs/promises', 'node:fs/promises'])
      paths.push({ name, importNames: FS_WRITES, message: GATE_MESSAGE });
  }
  if (which.process) {
    paths.push({ name: 'process', message: 'Only src/cli/ touches process.' });
    paths.push({ name: 'node:process', message: 'Only src/cli/ touches process.' });
  }
  if (which.k8s) {
    paths.push({
      name: '@kubernetes/client-node',
      message: 'Only src/k8s/ imports the Kubernetes client; go through ClusterClient.',
    });
  }
  return paths;
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'coverage/**',
      'src/manifest/validators.generated.ts',
      'templates/**',
      'test/fixtures/**',
      'examples/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowNumber: true, allowBoolean: true },
      ],
    },
  },
  // Kubernetes objects as the API serves them are read as loose JSON (each kind and version differs, and
  // the fake API server mirrors them); values are coerced with Number()/String() where they are used.
  {
    files: ['src/deploy/**/*.ts', 'test/fake-apiserver/**/*.ts', 'test/deploy/**/*.ts', 'test/e2e/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  // The seams of STYLE.md: only src/cli/ touches process, only src/k8s/ imports the Kubernetes client.
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Only src/cli/ touches process; pass values in as options.' },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: restrictedImports({ process: true, k8s: true }) }],
    },
  },
  {
    files: ['src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: restrictedImports({ process: false, k8s: true }) }],
    },
  },
  {
    files: ['src/k8s/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: restrictedImports({ process: true, k8s: false }) }],
    },
  },
  // The one file mlready writes credentials into on purpose: refreshed oidc tokens go back to the
  // user's own kubeconfig, as kubectl writes them; the redaction gate would destroy them.
  {
    files: ['src/k8s/oidc.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: restrictedImports({ process: true, k8s: false, fsWrite: false }) },
      ],
    },
  },
  // main.ts gives runCli the real file writer, which runCli wraps in the redaction gate at once.
  {
    files: ['src/cli/main.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: restrictedImports({ process: false, k8s: true, fsWrite: false }) },
      ],
    },
  },
  // code-cache.ts writes V8's compiled code of the CLI's bundles at build time: bytes, no text of a run.
  {
    files: ['src/cli/code-cache.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: restrictedImports({ process: false, k8s: true, fsWrite: false }) },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { ...tseslint.configs.disableTypeChecked.languageOptions, globals: globals.node },
  },
  {
    // CommonJS on purpose (a `node -r` preload in test/helpers/).
    files: ['**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: globals.node,
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
    },
  },
);
