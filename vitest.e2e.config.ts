import { defineConfig } from 'vitest/config';

/**
 * The end-to-end suite: deploy, rollback, canary and status against a real Kubernetes v1.32
 * control plane (../shared/k8s/up: kube-apiserver, controller-manager, scheduler, etcd and a
 * simulated kubelet on loopback), started and stopped by test/e2e/setup.ts. Run it with
 * `npm run test:e2e`, which says so and exits 0 when the binaries are not there.
 */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    globalSetup: ['test/e2e/setup.ts'],
    // One cluster, shared GPUs: scenarios run one at a time.
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 180_000,
    hookTimeout: 240_000,
  },
});
