import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { cli, REPO_ROOT, type CliRun } from '../helpers/cli.js';

const run = promisify(execFile);

/** kubectl against the suite's control plane. */
export function kubectl(args: string[], input?: string): string {
  return execFileSync(inject('kubectl'), args, {
    env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
    encoding: 'utf8',
    input,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

export async function kubectlAsync(args: string[]): Promise<string> {
  return (await run(inject('kubectl'), args, { env: { ...process.env, KUBECONFIG: inject('kubeconfig') } }))
    .stdout;
}

export function getJson(args: string[]): any {
  return JSON.parse(kubectl(['get', ...args, '-o', 'json']));
}

export async function until<T>(
  read: () => T | Promise<T>,
  ok: (value: T) => boolean,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > end)
      throw new Error(`condition not met in ${ms} ms: ${JSON.stringify(value)?.slice(0, 300)}`);
    await sleep(250);
  }
}

export interface Service {
  ns: string;
  dir: string;
  /** Runs mlready in the service's directory against the control plane. */
  mlready: (args: string[], options?: { cwd?: string; kubeconfig?: string }) => Promise<CliRun>;
  deployment: () => any;
  image: () => string;
  cleanup: () => Promise<void>;
}

/**
 * The llm-chat example in its own namespace: its files with the namespace changed, and the
 * weights volume an emptyDir (the control plane has no storage provisioner).
 */
export function service(ns: string): Service {
  const dir = mkdtempSync(join(tmpdir(), `mlready-e2e-${ns}-`));
  cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
  for (const file of ['mlready.yaml', ...readdirSync(join(dir, 'k8s')).map((f) => join('k8s', f))]) {
    const path = join(dir, file);
    writeFileSync(path, readFileSync(path, 'utf8').replaceAll('namespace: ml-serving', `namespace: ${ns}`));
  }
  edit(
    dir,
    'k8s/deployment.yaml',
    /persistentVolumeClaim:\n(?:\s+#.*\n)?\s+claimName: \S+\n\s+readOnly: true/,
    'emptyDir: {}',
  );
  kubectl(['create', 'namespace', ns]);
  const deployment = () => getJson(['deployment', 'llm-chat', '-n', ns]);
  return {
    ns,
    dir,
    mlready: (args, options = {}) =>
      cli([...args, '--kubeconfig', options.kubeconfig ?? inject('kubeconfig')], { cwd: options.cwd ?? dir }),
    deployment,
    image: () => deployment().spec.template.spec.containers[0].image as string,
    cleanup: async () => {
      await kubectlAsync(['delete', 'namespace', ns, '--wait=true', '--timeout=90s']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function edit(dir: string, file: string, from: string | RegExp, to: string): void {
  const path = join(dir, file);
  const text = readFileSync(path, 'utf8');
  const next = text.replace(from, to);
  if (next === text) throw new Error(`${file}: ${String(from)} not found`);
  writeFileSync(path, next);
}

/** GPUs held by pods bound to nodes, cluster-wide (terminating pods included, as the scheduler counts). */
export function gpusInUse(): number {
  const pods = getJson(['pods', '-A']).items as any[];
  return pods
    .filter((p) => p.spec.nodeName && !['Succeeded', 'Failed'].includes(p.status?.phase))
    .flatMap((p) => p.spec.containers as any[])
    .reduce((n, c) => n + Number(c.resources?.limits?.['nvidia.com/gpu'] ?? 0), 0);
}
