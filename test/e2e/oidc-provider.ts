/**
 * A small OpenID provider for the end-to-end suite: discovery, a JWKS with a real RSA key, and a
 * refresh-token grant that rotates its refresh tokens (each works once), over TLS with a CA of its
 * own. The suite's kube-apiserver trusts it (--oidc-issuer-url, --oidc-ca-file), so the id-tokens
 * it issues are verified by the real API server, signature included.
 */
import { execFileSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const OIDC_CLIENT_ID = 'mlready-e2e';
export const OIDC_SUBJECT = 'ml-platform@example.com';

export interface E2eOidc {
  issuer: string;
  caFile: string;
  clientId: string;
  /** Refresh tokens the provider accepts once each, for the tests to start from. */
  seeds: string[];
  /** An id-token the provider signed that expired an hour ago. */
  expiredIdToken: string;
}

export interface RunningProvider {
  oidc: E2eOidc;
  close: () => Promise<void>;
}

export async function startOidcProvider(): Promise<RunningProvider> {
  const dir = mkdtempSync(join(tmpdir(), 'mlready-e2e-oidc-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'ca.pem'),
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...createPublicKey(privateKey).export({ format: 'jwk' }),
    kid: 'e2e-1',
    use: 'sig',
    alg: 'RS256',
  };
  const live = new Set<string>();
  const seeds = Array.from({ length: 4 }, () => `seed-${randomBytes(12).toString('hex')}`);
  for (const seed of seeds) live.add(seed);

  let issuer = '';
  const server: Server = createServer(
    { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'ca.pem')) },
    (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        if (req.url === '/.well-known/openid-configuration')
          return json(200, {
            issuer,
            token_endpoint: `${issuer}/token`,
            authorization_endpoint: `${issuer}/auth`,
            jwks_uri: `${issuer}/keys`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
          });
        if (req.url === '/keys') return json(200, { keys: [jwk] });
        if (req.url === '/token' && req.method === 'POST') {
          const form = new URLSearchParams(body);
          const token = form.get('refresh_token') ?? '';
          if (form.get('grant_type') !== 'refresh_token' || form.get('client_id') !== OIDC_CLIENT_ID)
            return json(400, { error: 'invalid_request' });
          if (!live.delete(token)) return json(400, { error: 'invalid_grant' });
          const next = `rotated-${randomBytes(12).toString('hex')}`;
          live.add(next);
          return json(200, {
            access_token: randomBytes(16).toString('hex'),
            token_type: 'Bearer',
            expires_in: 3600,
            id_token: idToken(privateKey, issuer, 3600),
            refresh_token: next,
          });
        }
        json(404, { error: 'not_found' });
      });
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    oidc: {
      issuer,
      caFile: join(dir, 'ca.pem'),
      clientId: OIDC_CLIENT_ID,
      seeds,
      expiredIdToken: idToken(privateKey, issuer, -3600),
    },
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function idToken(key: KeyObject, issuer: string, expiresIn: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${part({ alg: 'RS256', typ: 'JWT', kid: 'e2e-1' })}.${part({
    iss: issuer,
    aud: OIDC_CLIENT_ID,
    sub: OIDC_SUBJECT,
    iat: now + Math.min(0, expiresIn) - 10,
    exp: now + expiresIn,
  })}`;
  return `${input}.${sign('RSA-SHA256', Buffer.from(input), key).toString('base64url')}`;
}
