/**
 * The kubeconfig oidc auth provider (src/k8s/oidc.ts) against a loopback identity provider that
 * speaks OpenID Connect discovery and the refresh-token grant over TLS, with openid-client as the
 * OAuth client, and the fake API server accepting only the id-token the provider issues.
 * client-node 1.4's own provider failed every refresh ("server" must be an instance of URL).
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expiryOf, OidcAuthenticator, persistTokens } from '../../src/k8s/oidc.js';
import { bin, cli } from '../helpers/cli.js';
import { loopbackTls, startFakeCluster, type FakeCluster } from '../helpers/fake-cluster.js';
import { tmpTree } from '../helpers/tmp.js';

const CLIENT_ID = 'mlready-cli';
const CLIENT_SECRET = 'cl1ent-s3cret-value';
const OLD_REFRESH = 'refresh-token-one-time-R1';
const NEW_REFRESH = 'refresh-token-rotated-R2';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part(claims)}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
}

interface Provider {
  issuer: string;
  /** The refresh requests, as the token endpoint received their form fields. */
  refreshes: URLSearchParams[];
  discoveries: number;
}

let idp: Server | undefined;
let cluster: FakeCluster | undefined;
afterEach(async () => {
  await new Promise((resolve) => (idp ? idp.close(resolve) : resolve(undefined)));
  idp = undefined;
  await cluster?.close();
  cluster = undefined;
});

/** A loopback OpenID provider whose token endpoint trades OLD_REFRESH (once) for `idToken`. */
async function startProvider(idToken: () => string, options: { refuse?: boolean } = {}): Promise<Provider> {
  const { key, cert } = loopbackTls();
  const provider: Provider = { issuer: '', refreshes: [], discoveries: 0 };
  const used = new Set<string>();
  idp = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.url === '/.well-known/openid-configuration') {
        provider.discoveries++;
        return json(200, {
          issuer: provider.issuer,
          token_endpoint: `${provider.issuer}/token`,
          authorization_endpoint: `${provider.issuer}/auth`,
          jwks_uri: `${provider.issuer}/keys`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.url === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        provider.refreshes.push(form);
        const token = form.get('refresh_token') ?? '';
        // A rotating provider: each refresh token works once.
        if (options.refuse || token !== OLD_REFRESH || used.has(token))
          return json(400, { error: 'invalid_grant', error_description: `refresh token ${token} is spent` });
        used.add(token);
        return json(200, {
          access_token: 'access-token-unused',
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: idToken(),
          refresh_token: NEW_REFRESH,
        });
      }
      json(404, { error: 'not_found' });
    });
  });
  await new Promise<void>((resolve) => idp!.listen(0, '127.0.0.1', resolve));
  provider.issuer = `https://127.0.0.1:${(idp.address() as AddressInfo).port}`;
  return provider;
}

function freshIdToken(issuer: string, expiresIn = 3600): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt({ iss: issuer, aud: CLIENT_ID, sub: 'ml-platform@example.com', iat: now, exp: now + expiresIn });
}

/** The fake cluster's kubeconfig with its user turned into an oidc one. */
function oidcKubeconfig(fake: FakeCluster, provider: Provider, idToken: string, extra = ''): string {
  const caData = Buffer.from(loopbackTls().cert).toString('base64');
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
      fixed = freshIdToken(provider.issuer);
      cluster = await startFakeCluster({ namespaces: ['default'], token: fixed });
      const file = oidcKubeconfig(cluster, provider, freshIdToken(provider.issuer, -60));

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
      expect(saved).toContain(`refresh-token: ${NEW_REFRESH}`);
      expect(saved).not.toContain(OLD_REFRESH);
      expect(saved).toContain("# kept: a comment of the user's");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      for (const secret of [fixed, NEW_REFRESH, OLD_REFRESH, CLIENT_SECRET]) {
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
    const valid = freshIdToken(provider.issuer);
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
    const provider = await startProvider(() => 'unused', { refuse: true });
    cluster = await startFakeCluster({ namespaces: ['default'] });
    const file = oidcKubeconfig(cluster, provider, freshIdToken(provider.issuer, -60));
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
          'id-token': freshIdToken('http://idp.example.com', -60),
        },
      },
    };
    await expect(auth.token(user)).rejects.toThrow(/is not https/);
  });

  it('goes on with the refreshed token and warns when the kubeconfig cannot be written', async () => {
    const provider = await startProvider(() => freshIdToken(provider.issuer));
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
      'id-token': freshIdToken(provider.issuer, -60),
      'idp-certificate-authority-data': Buffer.from(loopbackTls().cert).toString('base64'),
    };
    const token = await auth.token({ name: 'u', authProvider: { name: 'oidc', config } });
    expect(expiryOf(token)).toBeGreaterThan(Date.now() / 1000);
    expect(config['refresh-token']).toBe(NEW_REFRESH);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('could not be written back');
    expect(warnings[0]).not.toContain(NEW_REFRESH);
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
