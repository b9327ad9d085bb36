/**
 * A kubeconfig `oidc` user against the real v1.32 API server, which verifies the id-token's
 * signature against the suite's OpenID provider (test/e2e/oidc-provider.ts). mlready refreshes
 * the expired id-token, writes the rotated tokens back, and kubectl then works with the same file:
 * the refresh-token mlready saved is the live one.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { BIN } from '../helpers/cli.js';
import { tmpTree } from '../helpers/tmp.js';
import { kubectl } from './cluster.js';

const run = promisify(execFile);

/** The suite's cluster with an oidc user instead of the admin's client certificate. */
function oidcKubeconfig(config: Record<string, string>): string {
  const admin = JSON.parse(kubectl(['config', 'view', '--raw', '--minify', '-o', 'json']));
  const cluster = admin.clusters[0].cluster;
  const lines = [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '  - name: e2e',
    '    cluster:',
    `      server: ${cluster.server}`,
    `      certificate-authority-data: ${cluster['certificate-authority-data']}`,
    'users:',
    '  - name: ml-platform',
    '    user:',
    '      auth-provider:',
    '        name: oidc',
    '        config:',
    ...Object.entries(config).map(([k, v]) => `          ${k}: ${v}`),
    'contexts:',
    '  - name: e2e-oidc',
    '    context: { cluster: e2e, user: ml-platform, namespace: default }',
    'current-context: e2e-oidc',
    '',
  ];
  const file = join(tmpTree(), 'kubeconfig');
  writeFileSync(file, lines.join('\n'), { mode: 0o600 });
  return file;
}

async function mlready(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

const tokenOf = (file: string, key: string) =>
  new RegExp(`${key}: (\\S+)`).exec(readFileSync(file, 'utf8'))?.[1];

describe('oidc kubeconfig user on the real API server', () => {
  it('refreshes the expired id-token, saves the rotated tokens, and kubectl goes on with them', async () => {
    const oidc = inject('oidc');
    const file = oidcKubeconfig({
      'idp-issuer-url': oidc.issuer,
      'client-id': oidc.clientId,
      'idp-certificate-authority': oidc.caFile,
      'id-token': oidc.expiredIdToken,
      'refresh-token': oidc.seeds[0]!,
    });
    const first = await mlready(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
    // Authenticated: the API server answered about the Deployment (a 401 would say so).
    expect(first.stderr).toContain('Deployment llm-chat does not exist in namespace default');
    expect(first.stderr).not.toContain('did not accept the credentials');
    expect(first.code).toBe(1);
    const idToken = tokenOf(file, 'id-token');
    const refreshToken = tokenOf(file, 'refresh-token');
    expect(idToken).not.toBe(oidc.expiredIdToken);
    expect(refreshToken).toMatch(/^rotated-/);
    for (const secret of [idToken!, refreshToken!, oidc.seeds[0]!]) {
      expect(first.stdout + first.stderr).not.toContain(secret);
    }

    // The saved id-token is accepted by the API server as the provider's user, through kubectl.
    const who = kubectl([
      '--kubeconfig',
      file,
      'auth',
      'whoami',
      '-o',
      'jsonpath={.status.userInfo.username}',
    ]);
    expect(who).toBe('oidc:ml-platform@example.com');

    // A second run sends the saved, still valid token: nothing is refreshed again.
    const second = await mlready(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
    expect(second.stderr).toContain('does not exist in namespace default');
    expect(tokenOf(file, 'refresh-token')).toBe(refreshToken);
  });

  it('exits 2 and says to log in again when the refresh token is spent', async () => {
    const oidc = inject('oidc');
    const file = oidcKubeconfig({
      'idp-issuer-url': oidc.issuer,
      'client-id': oidc.clientId,
      'idp-certificate-authority': oidc.caFile,
      'id-token': oidc.expiredIdToken,
      'refresh-token': 'never-issued-refresh-token',
    });
    const result = await mlready(['status', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot refresh the oidc id-token');
    expect(result.stderr).toContain('log in again');
    expect(result.stderr).not.toContain('never-issued-refresh-token');
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
