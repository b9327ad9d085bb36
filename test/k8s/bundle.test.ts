/**
 * What the built CLI loads on the way to a cluster (scripts/bundle.mjs): client-node is linked
 * with only the parts mlready uses, and its SOCKS proxy support is loaded when a kubeconfig asks
 * for it, not at every start. Needs `npm run build` (as test/cli.test.ts does).
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bin } from '../helpers/cli.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import { tmpTree } from '../helpers/tmp.js';

const TRACE = fileURLToPath(new URL('../helpers/trace-imports.mjs', import.meta.url));

let server: Server | undefined;
let cluster: FakeCluster | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** A loopback TCP server that records the first bytes each connection sends, then hangs up. */
async function recordingServer(): Promise<{ port: number; received: Buffer[] }> {
  const received: Buffer[] = [];
  server = createServer((socket) => {
    socket.once('data', (chunk: Buffer) => {
      received.push(chunk);
      socket.destroy();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, received };
}

function kubeconfig(server: string, proxyUrl?: string, user = 'token: t0ken-for-the-bundle-test'): string {
  const dir = tmpTree({
    kubeconfig: `apiVersion: v1
kind: Config
clusters:
  - name: c
    cluster:
      server: ${server}
      insecure-skip-tls-verify: true${proxyUrl ? `\n      proxy-url: ${proxyUrl}` : ''}
users:
  - name: u
    user:
      ${user}
contexts:
  - name: ctx
    context: { cluster: c, user: u, namespace: default }
current-context: ctx
`,
  });
  return join(dir, 'kubeconfig');
}

describe('the bundled CLI on the way to a cluster', () => {
  it('loads neither the exec, attach and cp transports nor the proxy and auth-provider libraries no kubeconfig asks for', async () => {
    const { port } = await recordingServer();
    const log = join(tmpTree(), 'imports.log');
    const run = await bin(
      ['status', 'llm-chat', '-n', 'default', '--kubeconfig', kubeconfig(`https://127.0.0.1:${port}`)],
      { env: { NODE_OPTIONS: `--import ${TRACE}`, MLREADY_TRACE_IMPORTS: log } },
    );
    expect(run.code).toBe(2); // the server hangs up: could not run
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('/node_modules/node-fetch/'); // the trace sees the cluster client's imports
    expect(loaded).not.toMatch(
      /\/node_modules\/(ws|isomorphic-ws|tar-fs|socks-proxy-agent|socks|openid-client|jose|jsonpath-plus)\//,
    );
  });

  it('still goes through a SOCKS proxy named by proxy-url', async () => {
    const proxy = await recordingServer();
    const run = await bin([
      'status',
      'llm-chat',
      '-n',
      'default',
      '--kubeconfig',
      kubeconfig('https://127.0.0.1:1', `socks5://127.0.0.1:${proxy.port}`),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    // A SOCKS5 greeting: version 5, then the number of methods offered.
    expect(proxy.received.length).toBeGreaterThan(0);
    expect(proxy.received[0]![0]).toBe(5);
  });

  it('loads openid-client when an oidc auth provider must refresh its token', async () => {
    const issuer = await recordingServer();
    const payload = Buffer.from(JSON.stringify({ exp: 1 })).toString('base64url');
    const user = [
      'auth-provider:',
      '        name: oidc',
      '        config:',
      `          idp-issuer-url: https://127.0.0.1:${issuer.port}`,
      '          client-id: mlready-test',
      '          refresh-token: r3fresh',
      `          id-token: eyJhbGciOiJub25lIn0.${payload}.x`,
    ].join('\n');
    const log = join(tmpTree(), 'imports.log');
    const run = await bin(
      [
        'status',
        'llm-chat',
        '-n',
        'default',
        '--kubeconfig',
        kubeconfig('https://127.0.0.1:1', undefined, user),
      ],
      { env: { NODE_OPTIONS: `--import ${TRACE}`, MLREADY_TRACE_IMPORTS: log } },
    );
    // This issuer is a bare TCP server, so the refresh fails (test/k8s/oidc.test.ts has a real one):
    // what is checked here is that openid-client is loaded only now.
    expect(run.code).toBe(2);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(log, 'utf8')).toContain('/node_modules/openid-client/');
  });

  it("still reads a gcp auth provider's token with jsonpath-plus", async () => {
    cluster = await startFakeCluster({ namespaces: ['default'] });
    const dir = tmpTree({
      'token.sh': `#!/bin/sh\necho '{"t":{"v":"${FAKE_TOKEN}"},"e":"2999-01-01T00:00:00Z"}'\n`,
    });
    const script = join(dir, 'token.sh');
    chmodSync(script, 0o755);
    const config = readFileSync(cluster.kubeconfig, 'utf8').replace(
      `token: ${FAKE_TOKEN}`,
      [
        'auth-provider:',
        '        name: gcp',
        '        config:',
        `          cmd-path: ${script}`,
        "          token-key: '{.t.v}'",
        "          expiry-key: '{.e}'",
      ].join('\n'),
    );
    expect(config).toContain('cmd-path');
    writeFileSync(join(dir, 'kubeconfig'), config);
    const run = await bin(['history', 'llm-chat', '-n', 'default', '--kubeconfig', join(dir, 'kubeconfig')]);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain('did not accept the credentials');
    // The API server was asked with the token the command printed (a 401 would have said so).
    expect(cluster.api.requests.length).toBeGreaterThan(0);
    expect(cluster.api.requests.every((r) => r.status !== 401)).toBe(true);
  });
});
