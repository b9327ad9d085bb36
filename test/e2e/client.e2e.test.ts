/**
 * mlready's Kubernetes client against the real v1.32 API server: what it applies is what the
 * manifest says, field for field. client-node's own patch ran the body through its typed models,
 * which dropped unknown fields without a word; kubectl apply asks for strict field validation, so
 * a misspelt field is refused before anything changes. mlready now does both.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ClusterError } from '../../src/errors.js';
import { loadKubeConfig } from '../../src/k8s/kubeconfig.js';
import { createNodeClusterClient } from '../../src/k8s/node-client.js';
import type { ClusterClient, KubeObject } from '../../src/k8s/types.js';
import { kubectl } from './cluster.js';

const NS = 'e2e-client-fields';
let client: ClusterClient;

beforeAll(() => {
  kubectl(['create', 'namespace', NS]);
  const { config, target } = loadKubeConfig({
    kubeconfig: inject('kubeconfig'),
    env: {},
    homeDir: '/nonexistent',
  });
  client = createNodeClusterClient(config, target, { sleep: (ms) => sleep(ms) });
});
afterAll(() => {
  kubectl(['delete', 'namespace', NS, '--wait=false']);
});

function deployment(container: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'fields', namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'fields' } },
      template: {
        metadata: { labels: { app: 'fields' } },
        spec: { containers: [{ name: 'server', image: 'vllm/vllm-openai:v0.6.3', ...container }] },
      },
    },
  };
}

describe('apply sends the object as written', () => {
  it('a misspelt field is refused by the API server at once, in the dry run and for real, and nothing is stored', async () => {
    for (const dryRun of [true, false]) {
      const started = Date.now();
      const error = await client.apply(deployment({ imagePulPolicy: 'Always' }), { dryRun }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ClusterError);
      // v1.32 answers a server-side apply with an undeclared field with 500 (kubectl gets the same).
      expect((error as ClusterError).status).toBe(500);
      expect((error as ClusterError).message).toContain('imagePulPolicy: field not declared in schema');
      // Not retried as a transient 500 (five retries with backoff took seconds).
      expect(Date.now() - started).toBeLessThan(1000);
    }
    expect(kubectl(['get', 'deployments', '-n', NS, '-o', 'name']).trim()).toBe('');
  });

  it('every known field arrives, nested ones included', async () => {
    await client.apply(
      deployment({ imagePullPolicy: 'Always', terminationMessagePolicy: 'FallbackToLogsOnError' }),
    );
    const stored = JSON.parse(kubectl(['get', 'deployment', 'fields', '-n', NS, '-o', 'json']));
    expect(stored.spec.template.spec.containers[0]).toMatchObject({
      imagePullPolicy: 'Always',
      terminationMessagePolicy: 'FallbackToLogsOnError',
    });
  });
});
