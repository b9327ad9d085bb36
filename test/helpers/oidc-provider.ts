/**
 * A small OpenID provider on loopback for the oidc tests, fast and end to end: discovery, a JWKS with
 * a real RSA key, and a refresh-token grant that rotates its refresh tokens (each works once), over
 * TLS (the loopback certificate of fake-cluster.ts, also written to a file for kube-apiserver's
 * --oidc-ca-file). The e2e suite's API server trusts it, so its id-tokens are verified for real.
 */
import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackTls } from './fake-cluster.js';

export const OIDC_SUBJECT = 'ml-platform@example.com';

export interface OidcProviderOptions {
  clientId: string;
  /** Refresh tokens the provider accepts, once each (none: every refresh is refused). */
  refreshTokens: string[];
  /** The id-token a refresh returns (default: a fresh one the provider signs). */
  issue?: () => string;
}

export interface OidcProvider {
  issuer: string;
  /** The provider's CA certificate, as PEM and as a file. */
  ca: string;
  caFile: string;
  /** The form fields of each refresh request the token endpoint received. */
  refreshes: URLSearchParams[];
  discoveries: number;
  /** An id-token signed by the provider that expires in `seconds` (negative: already expired). */
  idToken: (seconds: number) => string;
  close: () => Promise<void>;
}

export async function startOidcProvider(options: OidcProviderOptions): Promise<OidcProvider> {
  const { key, cert } = loopbackTls();
  const dir = mkdtempSync(join(tmpdir(), 'mlready-oidc-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, cert);
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...createPublicKey(privateKey).export({ format: 'jwk' }),
    kid: 'k1',
    use: 'sig',
    alg: 'RS256',
  };
  const live = new Set(options.refreshTokens);

  // The handler reads `provider` only when a request comes, after it is defined.
  const server: Server = createServer({ key, cert }, (req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const issuer = provider.issuer;
      if (req.url === '/.well-known/openid-configuration') {
        provider.discoveries++;
        return json(200, {
          issuer,
          token_endpoint: `${issuer}/token`,
          authorization_endpoint: `${issuer}/auth`,
          jwks_uri: `${issuer}/keys`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (req.url === '/keys') return json(200, { keys: [jwk] });
      if (req.url === '/token' && req.method === 'POST') {
        const form = new URLSearchParams(body);
        provider.refreshes.push(form);
        if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== options.clientId)
          return json(400, { error: 'invalid_request' });
        // A rotating provider: each refresh token works once.
        if (!live.delete(form.get('refresh_token') ?? '')) return json(400, { error: 'invalid_grant' });
        const next = `rotated-${randomBytes(12).toString('hex')}`;
        live.add(next);
        return json(200, {
          access_token: randomBytes(16).toString('hex'),
          token_type: 'Bearer',
          expires_in: 3600,
          id_token: options.issue ? options.issue() : provider.idToken(3600),
          refresh_token: next,
        });
      }
      json(404, { error: 'not_found' });
    });
  });
  const provider: OidcProvider = {
    issuer: '',
    ca: cert,
    caFile,
    refreshes: [],
    discoveries: 0,
    idToken: (seconds) => {
      const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const now = Math.floor(Date.now() / 1000);
      const claims = {
        iss: provider.issuer,
        aud: options.clientId,
        sub: OIDC_SUBJECT,
        iat: now + Math.min(0, seconds) - 10,
        exp: now + seconds,
      };
      const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${part(claims)}`;
      return `${input}.${sign('RSA-SHA256', Buffer.from(input), privateKey).toString('base64url')}`;
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  provider.issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return provider;
}
