/**
 * The kubeconfig oidc auth provider (src/k8s/oidc.ts) against a loopback identity provider that
 * speaks OpenID Connect discovery and the refresh-token grant over TLS, with openid-client as the
 * OAuth client, and the fake API server accepting only the id-token the provider issues.
 * client-node 1.4's own provider failed every refresh ("server" must be an instance of URL).
 */
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiryOf, OidcAuthenticator, persistTokens } from '../../src/k8s/oidc.js';
import { bin, cli } from '../helpers/cli.js';
import { startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import { startOidcProvider, type OidcProvider } from '../helpers/oidc-provider.js';
import { tmpTree } from '../helpers/tmp.js';

const CLIENT_ID = 'mlready-cli';
const CLIENT_SECRET = 'cl1ent-s3cret-value';
const OLD_REFRESH = 'refresh-token-one-time-R1';

let idp: OidcProvider | undefined;
let cluster: FakeCluster | undefined;
afterEach(async () => {
  await idp?.close();
  idp = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** A loopback OpenID provider that trades OLD_REFRESH (once, unless `refuse`) for `issue()`'s id-token. */
async function startProvider(
  issue?: () => string,
  options: { refuse?: boolean } = {},
): Promise<OidcProvider> {
  idp = await startOidcProvider({
    clientId: CLIENT_ID,
    refreshTokens: options.refuse ? [] : [OLD_REFRESH],
    issue,
  });
  return idp;
}

const savedToken = (file: string, key: string) =>
  new RegExp(`${key}: (\\S+)`).exec(readFileSync(file, 'utf8'))?.[1];

/** The fake cluster's kubeconfig with its user turned into an oidc one. */
function oidcKubeconfig(fake: FakeCluster, provider: OidcProvider, idToken: string, extra = ''): string {
  const caData = Buffer.from(provider.ca).toString('base64');
  const text = readFileSync(fake.kubeconfig, 'utf8').replace(
    /token: .*/,
    [
      'auth-provider:',
      '        name: oidc',
      '        config:',
      `          idp-issuer-url: ${provider.issuer}`,
      `          client-id: ${CLIENT_ID}`,
      `          client-secret: ${CLIENT_SECRET}`,
      `          id-token: ${idToken}`,
      `          refresh-token: ${OLD_REFRESH}`,
      `          idp-certificate-authority-data: ${caData}`,
      extra,
    ]
      .filter(Boolean)
      .join('\n'),
  );
  const file = join(tmpTree(), 'kubeconfig');
  writeFileSync(file, `# kept: a comment of the user's\n${text}`, { mode: 0o600 });
  return file;
}

describe('oidc auth provider', () => {
  // In-process (the sources) and the built CLI (the bundle, where client-node's openid-client import is
  // replaced by a lazy shim: mlready's own import must get the whole package).
  it.each([
    ['in process', cli],
    ['built CLI', bin],
  ])(
    '%s: refreshes an expired id-token once, sends the new one, and writes both rotated tokens back',
    async (_, run$) => {
      let fixed = '';
      const provider = await startProvider(() => fixed);
      // The API server accepts only the token the provider will issue.
      fixed = provider.idToken(3600);
      cluster = await startFakeCluster({ namespaces: ['default'], token: fixed });
      const file = oidcKubeconfig(cluster, provider, provider.idToken(-60));

      const run = await run$(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
      expect(run.stderr).not.toMatch(/\n\s+at /);
      expect(run.stderr).not.toContain('did not accept the credentials');
      expect(cluster.api.requests.length).toBeGreaterThan(0);
      expect(cluster.api.requests.every((r) => r.status !== 401)).toBe(true);
      // One refresh however many requests the command made at once, with the client's credentials.
      expect(provider.refreshes).toHaveLength(1);
      const form = provider.refreshes[0]!;
      expect(form.get('grant_type')).toBe('refresh_token');
      expect(form.get('client_id')).toBe(CLIENT_ID);
      expect(form.get('client_secret')).toBe(CLIENT_SECRET);
      // Written back as kubectl does, the rest of the file (its comment) and its mode kept.
      const saved = readFileSync(file, 'utf8');
      expect(saved).toContain(`id-token: ${fixed}`);
      const rotated = savedToken(file, 'refresh-token');
      expect(rotated).toMatch(/^rotated-/);
      expect(saved).not.toContain(OLD_REFRESH);
      expect(saved).toContain("# kept: a comment of the user's");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      for (const secret of [fixed, rotated!, OLD_REFRESH, CLIENT_SECRET]) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }

      // The next run uses the saved token: no refresh, and the spent refresh token is never sent again.
      const again = await run$(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
      expect(again.stderr).not.toContain('did not accept the credentials');
      expect(provider.refreshes).toHaveLength(1);
      expect(provider.discoveries).toBe(1);
    },
  );

  it('sends a valid id-token without asking the provider', async () => {
    const provider = await startProvider(() => 'never-issued');
    const valid = provider.idToken(3600);
    cluster = await startFakeCluster({ namespaces: ['default'], token: valid });
    const file = oidcKubeconfig(cluster, provider, valid);
    const before = readFileSync(file, 'utf8');
    const run = await cli(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
    expect(run.stderr).not.toContain('did not accept the credentials');
    expect(cluster.api.requests.every((r) => r.status !== 401)).toBe(true);
    expect(provider.discoveries + provider.refreshes.length).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('exits 2 with what to do when the provider refuses the refresh, never echoing a token', async () => {
    const provider = await startProvider(undefined, { refuse: true });
    cluster = await startFakeCluster({ namespaces: ['default'] });
    const file = oidcKubeconfig(cluster, provider, provider.idToken(-60));
    const run = await cli(['history', 'llm-chat', '-n', 'default', '--kubeconfig', file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot refresh the oidc id-token');
    expect(run.stderr).toContain('log in again');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr).not.toContain(OLD_REFRESH);
    expect(run.stderr).not.toContain(CLIENT_SECRET);
    // Nothing reached the API server with a stale token.
    expect(cluster.api.requests.filter((r) => r.status === 401)).toHaveLength(0);
  });

  it('refuses an http issuer that is not loopback: the refresh token would travel in clear text', async () => {
    const auth = new OidcAuthenticator({ userFiles: new Map() });
    const user = {
      name: 'u',
      authProvider: {
        name: 'oidc',
        config: {
          'idp-issuer-url': 'http://idp.example.com',
          'client-id': CLIENT_ID,
          'refresh-token': OLD_REFRESH,
          // Only its expiry is read before the issuer is refused.
          'id-token': `e30.${Buffer.from(JSON.stringify({ exp: 1 })).toString('base64url')}.x`,
        },
      },
    };
    await expect(auth.token(user)).rejects.toThrow(/is not https/);
  });

  it('goes on with the refreshed token and warns when the kubeconfig cannot be written', async () => {
    const provider = await startProvider();
    const warnings: string[] = [];
    const missing = join(tmpTree(), 'gone', 'kubeconfig');
    const auth = new OidcAuthenticator({
      userFiles: new Map([['u', missing]]),
      warn: (m) => warnings.push(m),
    });
    const config: Record<string, string> = {
      'idp-issuer-url': provider.issuer,
      'client-id': CLIENT_ID,
      'refresh-token': OLD_REFRESH,
      'id-token': provider.idToken(-60),
      'idp-certificate-authority-data': Buffer.from(provider.ca).toString('base64'),
    };
    const token = await auth.token({ name: 'u', authProvider: { name: 'oidc', config } });
    expect(expiryOf(token)).toBeGreaterThan(Date.now() / 1000);
    expect(config['refresh-token']).toMatch(/^rotated-/);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not be written back');
    expect(warnings[0]).not.toContain(config['refresh-token']);
  });

  it('writes tokens into the one user entry, leaving other users and the file mode as they were', () => {
    const file = join(
      tmpTree({
        kubeconfig: [
          'apiVersion: v1',
          'kind: Config',
          '# a comment',
          'users:',
          '  - name: other',
          '    user: { token: other-token }',
          '  - name: me',
          '    user:',
          '      auth-provider:',
          '        name: oidc',
          '        config: { client-id: x, id-token: old, refresh-token: r1 }',
          '',
        ].join('\n'),
      }),
      'kubeconfig',
    );
    chmodSync(file, 0o640);
    persistTokens(file, 'me', 'new-id', 'r2');
    const text = readFileSync(file, 'utf8');
    expect(text).toContain('# a comment');
    expect(text).toContain('token: other-token');
    expect(text).toMatch(/id-token: new-id/);
    expect(text).toMatch(/refresh-token: r2/);
    expect(text).not.toContain('old');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(() => persistTokens(file, 'nobody', 'a', 'b')).toThrow(/no user "nobody"/);
  });
});
