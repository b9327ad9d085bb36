import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateKubernetesObject } from '../../src/manifest/kubernetes-schema.js';
import { REPO_ROOT } from '../helpers/cli.js';

/**
 * The reference for `valid-kubernetes-object` is the API server itself: every case here goes to a
 * real kube-apiserver v1.32 (the project's control-plane kit, started on loopback for this file)
 * as `kubectl apply --dry-run=server --validate=strict`, and mlready's verdict must be the same.
 */

/** The kit lives in shared/ beside the repository (CI) or beside the worktree folder (development). */
function findKit(): string | undefined {
  let dir = resolve(REPO_ROOT);
  for (let i = 0; i < 3; i++) {
    const up = join(dir, '..', 'shared', 'k8s', 'up');
    if (existsSync(up)) return up;
    dir = dirname(dir);
  }
  return undefined;
}

const KIT = findKit();
const kitReady = KIT !== undefined && (await execa(KIT, ['--check'], { reject: false })).exitCode === 0;

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'llm', labels: { app: 'llm', 'mlready.dev/model-version': '1.2.0' } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'llm' } },
    template: {
      metadata: { labels: { app: 'llm' } },
      spec: {
        containers: [
          {
            name: 'server',
            image: 'vllm/vllm-openai:v0.6.3',
            ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
            readinessProbe: { httpGet: { path: '/health', port: 'http' } },
            resources: { limits: { cpu: '8', memory: '32Gi', 'nvidia.com/gpu': 1 } },
          },
        ],
      },
    },
  },
};

type Mutation = [name: string, mutate: (d: typeof DEPLOYMENT & Record<string, unknown>) => void];

const container = (d: typeof DEPLOYMENT) => d.spec.template.spec.containers[0] as Record<string, unknown>;

/** One defect each, as people write them. */
const MUTATIONS: Mutation[] = [
  ['a misspelt container field', (d) => (container(d).readinessprobe = container(d).readinessProbe)],
  [
    'a misspelt pod field',
    (d) => ((d.spec.template.spec as Record<string, unknown>).nodeselector = { a: 'b' }),
  ],
  ['a label value that is a number', (d) => ((d.metadata.labels as Record<string, unknown>).tier = 1)],
  [
    'an annotation value that is a boolean',
    (d) => ((d.metadata as Record<string, unknown>).annotations = { x: true }),
  ],
  ['replicas as a word', (d) => ((d.spec as Record<string, unknown>).replicas = 'two')],
  [
    'a memory limit in words',
    (d) => ((container(d).resources as { limits: Record<string, unknown> }).limits.memory = '4 gigs'),
  ],
  [
    'a protocol outside the enum',
    (d) => ((container(d).ports as Record<string, unknown>[])[0]!.protocol = 'HTTP'),
  ],
  ['a container without a name', (d) => delete container(d).name],
  ['a spec without a selector', (d) => delete (d.spec as Record<string, unknown>).selector],
  ['a field at the wrong level', (d) => ((d.spec as Record<string, unknown>).containers = [])],
];

describe.skipIf(!kitReady)(
  'valid-kubernetes-object agrees with a real kube-apiserver (strict field validation)',
  () => {
    let runDir: string;
    let env: Record<string, string>;

    beforeAll(async () => {
      runDir = mkdtempSync(join(tmpdir(), 'mlready-k8s-'));
      // Ports are the kit's defaults plus an offset; a multiple of 10 keeps two runs' ports apart.
      const offset = String(20_000 + (process.pid % 90) * 10);
      env = { K8S_RUN_DIR: runDir, K8S_PORT_OFFSET: offset, K8S_NODES: 'schema-node' };
      const up = await execa(KIT!, [], { env, reject: false, timeout: 170_000 });
      if (up.exitCode !== 0) throw new Error(`the control plane did not start:\n${up.stderr}`);
      env.KUBECONFIG = up.stdout.trim();
    }, 180_000);

    afterAll(async () => {
      if (runDir) {
        await execa(join(dirname(KIT!), 'down'), [], { env: { K8S_RUN_DIR: runDir }, reject: false });
        rmSync(runDir, { recursive: true, force: true });
      }
    }, 60_000);

    async function apiServerAccepts(object: unknown): Promise<{ ok: boolean; message: string }> {
      const run = await execa(
        'kubectl',
        ['apply', '--dry-run=server', '--validate=strict', '--namespace', 'default', '-f', '-'],
        { env, input: stringify(object), reject: false, timeout: 30_000 },
      );
      return { ok: run.exitCode === 0, message: run.stderr };
    }

    it('accepts the valid Deployment, and so does mlready', async () => {
      expect(validateKubernetesObject(DEPLOYMENT).problems).toEqual([]);
      expect((await apiServerAccepts(DEPLOYMENT)).ok).toBe(true);
    });

    it.each(MUTATIONS)('rejects %s, and so does mlready', async (_name, mutate) => {
      const object = structuredClone(DEPLOYMENT) as typeof DEPLOYMENT & Record<string, unknown>;
      mutate(object);
      const server = await apiServerAccepts(object);
      expect(server.ok, server.message).toBe(false);
      expect(validateKubernetesObject(object).problems).not.toEqual([]);
    });

    it('agrees on Secrets: base64 data is accepted, plain text in data is not', async () => {
      const good = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, data: { token: 'aGVsbG8=' } };
      const bad = { ...good, data: { token: 'hello world!' } };
      expect((await apiServerAccepts(good)).ok).toBe(true);
      expect(validateKubernetesObject(good).problems).toEqual([]);
      expect((await apiServerAccepts(bad)).ok).toBe(false);
      expect(validateKubernetesObject(bad).problems).not.toEqual([]);
    });
  },
);

describe.skipIf(kitReady)('valid-kubernetes-object against a real kube-apiserver', () => {
  it('is skipped: the control-plane kit (shared/k8s/up) or its binaries are not on this machine', () => {
    expect(kitReady).toBe(false);
  });
});
