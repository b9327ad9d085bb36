/**
 * What the built CLI loads on the way to a cluster (scripts/bundle.mjs): client-node is linked
 * with only the parts mlready uses, and its SOCKS proxy support is loaded when a kubeconfig asks
 * for it, not at every start. Needs `npm run build` (as test/cli.test.ts does).
 */
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { bin } from '../helpers/cli.js';
import { tmpTree } from '../helpers/tmp.js';

const TRACE = fileURLToPath(new URL('../helpers/trace-imports.mjs', import.meta.url));

let server: Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
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

function kubeconfig(server: string, proxyUrl?: string): string {
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
      token: t0ken-for-the-bundle-test
contexts:
  - name: ctx
    context: { cluster: c, user: u, namespace: default }
current-context: ctx
`,
  });
  return join(dir, 'kubeconfig');
}

describe('the bundled CLI on the way to a cluster', () => {
  it('loads neither the exec/attach/cp transports nor the SOCKS agent when nothing asks for them', async () => {
    const { port } = await recordingServer();
    const log = join(tmpTree(), 'imports.log');
    const run = await bin(
      ['status', 'llm-chat', '-n', 'default', '--kubeconfig', kubeconfig(`https://127.0.0.1:${port}`)],
      { env: { NODE_OPTIONS: `--import ${TRACE}`, MLREADY_TRACE_IMPORTS: log } },
    );
    expect(run.code).toBe(2); // the server hangs up: could not run
    const loaded = readFileSync(log, 'utf8');
    expect(loaded).toContain('/node_modules/node-fetch/'); // the trace sees the cluster client's imports
    expect(loaded).not.toMatch(/\/node_modules\/(ws|isomorphic-ws|tar-fs|socks-proxy-agent|socks)\//);
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
});
