/**
 * Issue 16, deploy side: API errors print only the Status message, through the redaction gate;
 * a kubeconfig server URL with credentials is printed redacted; an unreachable API server means
 * mlready could not run (exit 2); a kubeconfig without a context is named as such.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli, REPO_ROOT } from '../helpers/cli.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';

const V2 = 'vllm/vllm-openai:v0.6.4@sha256:5a2b9f9c6d3e8b0f1c4d7e6a9b2f5c8d1e4a7b0c3d6e9f2a5b8c1d4e7f0a3b6c';
const PASSWORD = 'S3cretPassw0rd-kube';

let cluster: FakeCluster;
let dir: string;

beforeEach(async () => {
  cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator'] });
  dir = mkdtempSync(join(tmpdir(), 'mlready-hardening-'));
  cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
});

afterEach(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every way a token could be echoed back by an API server or a proxy in front of it. */
const ECHOES = [
  `request headers: Authorization: Bearer ${FAKE_TOKEN}`,
  `invalid bearer token, token=${FAKE_TOKEN}`,
  `the server has asked for the client to provide credentials (${FAKE_TOKEN})`,
];

function expectClean(outputs: string[]): void {
  for (const out of outputs) {
    expect(out).not.toContain(FAKE_TOKEN);
    expect(out).not.toContain(FAKE_TOKEN.slice(-24));
    expect(out).not.toContain(FAKE_TOKEN.slice(0, 40));
    expect(out).not.toContain(PASSWORD);
    expect(out).not.toContain('undefined');
  }
}

const both = async (args: string[]) => [
  await cli([...args, '--kubeconfig', cluster.kubeconfig], { cwd: dir }),
  await cli(['--debug', ...args, '--kubeconfig', cluster.kubeconfig], { cwd: dir }),
];

describe('API errors are printed as their redacted Status message only', () => {
  it.each([
    [403, 'Forbidden'],
    [401, 'Unauthorized'],
  ])(
    'a %i body that echoes the bearer token, on every command, with and without --debug',
    async (code, reason) => {
      expect((await cli(['deploy', '.', '--kubeconfig', cluster.kubeconfig], { cwd: dir })).code).toBe(0);
      const outputs: string[] = [];
      for (const message of ECHOES) {
        const fault = (method: string, path: RegExp) => ({
          method,
          path,
          action: code,
          times: 1000,
          message,
          reason,
        });
        cluster.api.faults.splice(0, cluster.api.faults.length, fault('GET', /deployments\/llm-chat$/));
        for (const r of [
          ...(await both(['deploy', '.', '--image', V2])),
          ...(await both(['status', '.'])),
          ...(await both(['history', 'llm-chat', '-n', 'ml-serving'])),
          ...(await both(['rollback', 'deployment/llm-chat', '-n', 'ml-serving'])),
        ]) {
          expect(r.code).toBe(1);
          expect(r.stderr).toMatch(/^error: get Deployment\/llm-chat in namespace ml-serving: /m);
          outputs.push(r.stdout, r.stderr);
        }
      }
      expectClean(outputs);
      // The message itself is kept, with the credential masked.
      expect(outputs.join('\n')).toContain('Authorization: Bearer ****');
    },
    120_000,
  );

  it('a 500 body that echoes the bearer token, after the retries, with and without --debug', async () => {
    expect((await cli(['deploy', '.', '--kubeconfig', cluster.kubeconfig], { cwd: dir })).code).toBe(0);
    cluster.api.faults.push({
      method: 'GET',
      path: /deployments\/llm-chat$/,
      action: 500,
      times: 1000,
      message: ECHOES.join('; '),
    });
    const runs = await both(['deploy', '.', '--image', V2]);
    for (const r of runs) {
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('Authorization: Bearer ****');
    }
    expect(runs[1]!.stderr).toMatch(
      /debug: get Deployment\/llm-chat in namespace ml-serving: HTTP 500, retry 1/,
    );
    expectClean(runs.flatMap((r) => [r.stdout, r.stderr]));
  }, 60_000);
});

describe('a kubeconfig that points nowhere', () => {
  function kubeconfig(server: string, currentContext = true): string {
    const file = join(dir, 'kubeconfig');
    const original = readFileSync(cluster.kubeconfig, 'utf8');
    let text = original.replace(/server: \S+/, `server: ${server}`);
    if (!currentContext) text = text.replace(/current-context: .*\n/, '');
    writeFileSync(file, text);
    return file;
  }

  it('exits 2 when the API server cannot be reached, with a hint and the URL without its password', async () => {
    const file = kubeconfig(`https://admin:${PASSWORD}@127.0.0.1:9`);
    const outputs: string[] = [];
    for (const args of [
      ['deploy', '.'],
      ['rollback', 'llm-chat'],
    ]) {
      for (const debug of [[], ['--debug']]) {
        const r = await cli([...debug, ...args, '--kubeconfig', file, '-n', 'ml-serving'], { cwd: dir });
        expect(r.code).toBe(2);
        expect(r.stderr).toMatch(/cannot reach the API server at https:\/\/admin:\*\*\*\*@127\.0\.0\.1:9/);
        expect(r.stderr).toMatch(/^hint: check that context "fake" points at a running cluster/m);
        outputs.push(r.stdout, r.stderr);
      }
    }
    expectClean(outputs);
  }, 120_000);

  it('names a missing current-context instead of printing context "undefined"', async () => {
    const file = kubeconfig(cluster.api.url, false);
    const r = await cli(['status', 'llm-chat', '--kubeconfig', file], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the kubeconfig has no current-context');
    expect(r.stderr).toContain('hint: pick one with --context (fake)');
    expectClean([r.stdout, r.stderr]);
  });
});
