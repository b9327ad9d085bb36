import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApiServer, type FakeApiServerOptions } from '../fake-apiserver/server.js';

/** A token shaped like a real service-account JWT, so a leak of it would be recognisable in output. */
export const FAKE_TOKEN =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6Im1scmVhZHktdGVzdCJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bWwtc2VydmluZzpkZXBsb3llciJ9.c2lnbmF0dXJlLW5vdC1mb3ItcHJpbnRpbmc';

let tls: { key: string; cert: string } | undefined;

/** A self-signed certificate for 127.0.0.1, made once per test file with openssl. */
export function loopbackTls(): { key: string; cert: string } {
  if (tls) return tls;
  const dir = mkdtempSync(join(tmpdir(), 'mlready-tls-'));
  try {
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
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    tls = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    return tls;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FakeCluster {
  api: FakeApiServer;
  /** A kubeconfig file pointing at the fake server (CA pinned, bearer token). */
  kubeconfig: string;
  close: () => Promise<void>;
}

export async function startFakeCluster(
  options: Omit<FakeApiServerOptions, 'key' | 'cert' | 'token'> & {
    namespace?: string;
    /** The bearer token the server accepts (FAKE_TOKEN by default). */
    token?: string;
  } = {},
): Promise<FakeCluster> {
  const { key, cert } = loopbackTls();
  const token = options.token ?? FAKE_TOKEN;
  const api = await new FakeApiServer({ ...options, key, cert, token }).listen();
  const dir = mkdtempSync(join(tmpdir(), 'mlready-kube-'));
  const kubeconfig = join(dir, 'config');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '  - name: fake',
      '    cluster:',
      `      server: ${api.url}`,
      `      certificate-authority-data: ${Buffer.from(cert).toString('base64')}`,
      'users:',
      '  - name: deployer',
      '    user:',
      `      token: ${token}`,
      'contexts:',
      '  - name: fake',
      '    context:',
      '      cluster: fake',
      '      user: deployer',
      `      namespace: ${options.namespace ?? 'default'}`,
      'current-context: fake',
      '',
    ].join('\n'),
  );
  return {
    api,
    kubeconfig,
    close: async () => {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
