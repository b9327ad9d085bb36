import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { basename, dirname, join } from 'node:path';
import type { CustomFetch } from 'openid-client';
import { parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { redactText, redactUrl } from '../redact.js';

/**
 * The kubeconfig `oidc` auth provider, read as kubectl reads it (client-go
 * plugin/pkg/client/auth/oidc): the id-token is sent while it is valid; once it is expired (10 s
 * early), the refresh-token is exchanged at the issuer's token endpoint, and the new tokens are
 * written back to the kubeconfig file that holds the user.
 *
 * It replaces @kubernetes/client-node 1.4's own, which cannot refresh at all: it hands
 * openid-client 6 the issuer as a string, which that refuses (kubernetes-client/javascript#2202,
 * closed unfixed). Its code also takes the seconds a new token has left for its expiry time (so it
 * would refresh before every request), ignores client-secret and idp-certificate-authority, and
 * never writes the rotated tokens back: with an identity provider that rotates refresh tokens
 * (Keycloak, Okta, Dex can), kubectl is left holding a spent one. openid-client itself stays the
 * OAuth client (discovery, the refresh grant, the ID token's claims checks).
 */

/** client-go's expiryDelta: a token that expires within 10 s counts as expired. */
const EXPIRY_SKEW_S = 10;
/** Bound on what the issuer may send back (discovery document, token response). */
const MAX_RESPONSE_BYTES = 1 << 20;
const REQUEST_TIMEOUT_MS = 30_000;

/** The part of client-node's User this reads. */
interface OidcUser {
  name: string;
  authProvider?: { name?: string; config?: Record<string, string | undefined> };
}

export interface OidcOptions {
  /** The kubeconfig file that defines each user (kubectl writes refreshed tokens there). */
  userFiles: ReadonlyMap<string, string>;
  /** Told what went wrong but did not stop the run (a kubeconfig that could not be written). */
  warn?: (message: string) => void;
  now?: () => number;
}

interface Tokens {
  idToken: string;
  refreshToken: string | undefined;
}

export class OidcAuthenticator {
  private readonly refreshing = new Map<string, Promise<Tokens>>();
  private readonly now: () => number;

  constructor(private readonly options: OidcOptions) {
    this.now = options.now ?? Date.now;
  }

  isAuthProvider(user: OidcUser): boolean {
    return user.authProvider?.name === 'oidc';
  }

  async applyAuthentication(user: OidcUser, opts: { headers?: unknown }): Promise<void> {
    const token = await this.token(user);
    const headers = (opts.headers ?? {}) as Record<string, string>;
    headers.Authorization = `Bearer ${token}`;
    opts.headers = headers;
  }

  /** A valid id-token for the user, refreshed (once, however many requests ask at the same time). */
  async token(user: OidcUser): Promise<string> {
    const config = user.authProvider?.config ?? {};
    const idToken = config['id-token'];
    if (idToken && !this.expired(idToken)) return idToken;
    let pending = this.refreshing.get(user.name);
    if (!pending) {
      pending = this.refresh(user, config).finally(() => this.refreshing.delete(user.name));
      this.refreshing.set(user.name, pending);
    }
    return (await pending).idToken;
  }

  private expired(idToken: string): boolean {
    const exp = expiryOf(idToken);
    // A token whose expiry cannot be read is refreshed when it can be, as client-go does.
    return exp === undefined || this.now() / 1000 + EXPIRY_SKEW_S >= exp;
  }

  private async refresh(user: OidcUser, config: Record<string, string | undefined>): Promise<Tokens> {
    const issuer = config['idp-issuer-url'];
    const clientId = config['client-id'];
    const refreshToken = config['refresh-token'];
    const hint = 'log in again with your identity provider (e.g. kubectl oidc-login), then rerun';
    if (!issuer || !clientId)
      throw new ConfigError(
        `kubeconfig user "${user.name}": the oidc auth provider needs idp-issuer-url and client-id`,
      );
    if (!refreshToken)
      throw new ConfigError(
        `kubeconfig user "${user.name}": the oidc id-token has expired and there is no refresh-token to renew it`,
        { hint },
      );
    let server: URL;
    try {
      server = new URL(issuer);
    } catch {
      throw new ConfigError(`kubeconfig user "${user.name}": idp-issuer-url is not a URL`);
    }
    if (server.protocol !== 'https:' && !(server.protocol === 'http:' && isLoopback(server.hostname)))
      throw new ConfigError(
        `kubeconfig user "${user.name}": idp-issuer-url ${redactUrl(issuer)} is not https, so the refresh-token would travel in clear text`,
        { hint: 'use the https address of the identity provider' },
      );
    const ca = certificateAuthority(user.name, config);
    const tokens = await this.exchange(server, clientId, config['client-secret'], refreshToken, ca).catch(
      (error: unknown) => {
        throw new ConfigError(
          `kubeconfig user "${user.name}": cannot refresh the oidc id-token at ${redactUrl(issuer)}: ${reasonOf(error)}`,
          { hint },
        );
      },
    );
    config['id-token'] = tokens.idToken;
    // An identity provider that does not rotate refresh tokens sends none back: the old one stays.
    if (tokens.refreshToken) config['refresh-token'] = tokens.refreshToken;
    const file = this.options.userFiles.get(user.name);
    if (file) {
      try {
        persistTokens(file, user.name, config['id-token'], config['refresh-token']);
      } catch (error) {
        // As kubectl does: the new tokens work for this run, so it goes on, but says what was lost.
        this.options.warn?.(
          `kubeconfig user "${user.name}": the oidc tokens were refreshed but could not be written back to ${file} (${reasonOf(error)}); a refresh-token the identity provider rotated is lost, so the next run may have to log in again`,
        );
      }
    }
    return { idToken: tokens.idToken, refreshToken: tokens.refreshToken };
  }

  private async exchange(
    server: URL,
    clientId: string,
    clientSecret: string | undefined,
    refreshToken: string,
    ca: string | undefined,
  ): Promise<Tokens> {
    // Loaded only when a token must be refreshed: openid-client, oauth4webapi and jose are ~0.1 s of start-up.
    const oidc = await import('openid-client');
    const fetch = boundedFetch(ca);
    const config = await oidc.discovery(
      server,
      clientId,
      undefined,
      clientSecret ? oidc.ClientSecretPost(clientSecret) : oidc.None(),
      {
        [oidc.customFetch]: fetch,
        ...(server.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : {}),
      },
    );
    const response = await oidc.refreshTokenGrant(config, refreshToken);
    if (typeof response.id_token !== 'string' || response.id_token === '')
      throw new Error('the token response holds no id_token');
    return { idToken: response.id_token, refreshToken: response.refresh_token };
  }
}

/** The `exp` claim of a JWT, without verifying it (the API server does that). */
export function expiryOf(jwt: string): number | undefined {
  const payload = jwt.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp : undefined;
  } catch {
    return undefined;
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

function certificateAuthority(user: string, config: Record<string, string | undefined>): string | undefined {
  const data = config['idp-certificate-authority-data'];
  if (data) return Buffer.from(data, 'base64').toString('utf8');
  const file = config['idp-certificate-authority'];
  if (!file) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    throw new ConfigError(`kubeconfig user "${user}": cannot read idp-certificate-authority ${file}`, {
      file,
    });
  }
}

function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return redactText(message.split('\n')[0] ?? 'failed');
}

/**
 * A fetch for openid-client over node:http(s): Node 20's global fetch cannot trust a private CA
 * (idp-certificate-authority) without a second copy of undici. Bounded in size and time, no
 * redirects (openid-client asks for `manual`).
 */
function boundedFetch(ca: string | undefined): CustomFetch {
  return (url, options) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const raw = options.body;
      let body: string | Uint8Array | undefined;
      if (raw === undefined || raw === null) body = undefined;
      else if (typeof raw === 'string') body = raw;
      else if (raw instanceof URLSearchParams) body = raw.toString();
      else if (raw instanceof Uint8Array) body = raw;
      else if (raw instanceof ArrayBuffer) body = new Uint8Array(raw);
      else return reject(new Error('a streamed request body is not supported'));
      const req = send(
        target,
        {
          method: options.method,
          headers: options.headers,
          ...(ca ? { ca } : {}),
          signal: options.signal,
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('the response is larger than 1 MiB'));
            else chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const headers = new Headers();
            for (const [name, value] of Object.entries(res.headers))
              if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
            const status = res.statusCode ?? 502;
            const content = status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(content, { status, headers }));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', reject);
      req.end(body);
    });
}

/**
 * Writes the refreshed tokens into the user's entry of the kubeconfig file, keeping the rest of the
 * file as it was (comments, order, other users), atomically and with the file's own mode.
 */
export function persistTokens(
  file: string,
  userName: string,
  idToken: string | undefined,
  refreshToken: string | undefined,
): void {
  const text = readFileSync(file, 'utf8');
  const document = parseDocument(text);
  const root = document.toJS({ maxAliasCount: 100 }) as { users?: { name?: string }[] } | null;
  const users = root?.users;
  const index = Array.isArray(users) ? users.findIndex((u) => u?.name === userName) : -1;
  if (index === -1) throw new Error(`it defines no user "${userName}"`);
  const path = ['users', index, 'user', 'auth-provider', 'config'];
  if (idToken !== undefined) document.setIn([...path, 'id-token'], idToken);
  if (refreshToken !== undefined) document.setIn([...path, 'refresh-token'], refreshToken);
  const mode = statSync(file).mode & 0o777;
  const temporary = join(dirname(file), `.${basename(file)}.mlready-${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temporary, document.toString(), { mode });
  renameSync(temporary, file);
}
