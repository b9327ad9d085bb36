import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { randomBytes } from 'node:crypto';
import { OIDC_SUBJECT, startOidcProvider } from '../helpers/oidc-provider.js';

/** What the oidc tests get of the suite's OpenID provider (test/helpers/oidc-provider.ts). */
export interface E2eOidc {
  issuer: string;
  caFile: string;
  clientId: string;
  /** Refresh tokens the provider accepts once each, for the tests to start from. */
  seeds: string[];
  /** An id-token the provider signed that expired an hour ago. */
  expiredIdToken: string;
}

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    kubectl: string;
    oidc: E2eOidc;
  }
}

/**
 * Starts the real control plane once for the suite: two simulated GPU nodes with 4 GPUs each (the
 * nvidia-l4 label the example's node affinity asks for; CPU and memory large enough that GPUs are
 * what runs out), old pods taking 3 s to terminate as a model server's graceful shutdown does,
 * the CRDs of the example (Prometheus Operator, Istio), and an OpenID provider the API server
 * trusts (test/helpers/oidc-provider.ts; its users are `oidc:<sub>`, bound to cluster-admin). Stops
 * both afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const up = process.env.MLREADY_K8S_UP ?? resolve(REPO, '../shared/k8s/up');
  if (!existsSync(up)) throw new Error(`e2e: the control-plane kit is not at ${up}; run npm run test:e2e`);
  const down = join(dirname(up), 'down');
  const seeds = Array.from({ length: 4 }, () => `seed-${randomBytes(12).toString('hex')}`);
  const provider = await startOidcProvider({ clientId: 'mlready-e2e', refreshTokens: seeds });
  const oidc: E2eOidc = {
    issuer: provider.issuer,
    caFile: provider.caFile,
    clientId: 'mlready-e2e',
    seeds,
    expiredIdToken: provider.idToken(-3600),
  };
  const env = {
    ...process.env,
    K8S_NODES: 'gpu-node-1,gpu-node-2',
    SIM_NODE_GPUS: '4',
    SIM_NODE_CPU: '64',
    SIM_NODE_MEMORY: '512Gi',
    SIM_NODE_LABELS: 'nvidia.com/gpu.product=nvidia-l4',
    SIM_TERMINATE_MS: '3000',
    K8S_UP_TIMEOUT: '150',
    K8S_APISERVER_EXTRA_ARGS: [
      `--oidc-issuer-url=${oidc.issuer}`,
      `--oidc-client-id=${oidc.clientId}`,
      `--oidc-ca-file=${oidc.caFile}`,
      '--oidc-username-claim=sub',
      '--oidc-username-prefix=oidc:',
    ].join(' '),
  };
  // A previous run that was killed may have left it running: stop exactly what `up` recorded.
  execFileSync('bash', [down], { env, stdio: 'ignore' });
  const kubeconfig = execFileSync('bash', [up], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .trim()
    .split('\n')
    .pop()!;
  const kubectl = join(dirname(dirname(kubeconfig)), 'bin', 'kubectl');
  const kubectlPath = existsSync(kubectl)
    ? kubectl
    : join(process.env.HOME ?? '/root', 'k8s-real', 'bin', 'kubectl');
  execFileSync(kubectlPath, ['apply', '--server-side', '-f', join(REPO, 'test/e2e/fixtures/crds.yaml')], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync(kubectlPath, ['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all'], {
    env: { ...process.env, KUBECONFIG: kubeconfig },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync(
    kubectlPath,
    [
      'create',
      'clusterrolebinding',
      'e2e-oidc-admin',
      '--clusterrole=cluster-admin',
      `--user=oidc:${OIDC_SUBJECT}`,
    ],
    { env: { ...process.env, KUBECONFIG: kubeconfig }, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  project.provide('kubeconfig', kubeconfig);
  project.provide('kubectl', kubectlPath);
  project.provide('oidc', oidc);
  return async () => {
    execFileSync('bash', [down], { env, stdio: 'ignore' });
    await provider.close();
  };
}
