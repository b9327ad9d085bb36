import { ClusterError, UsageError } from '../errors.js';
import type { ClusterClient, KubeObject } from '../k8s/types.js';
import { parseWorkerOutput, type WorkerResult } from './workers.js';
import { TOOLING_IMAGE_PLACEHOLDER } from '../manifest/types.js';

/** What the Job's image is when the manifest names none: the scaffold's placeholder, which never pulls. */
export const IMAGE_PLACEHOLDER = TOOLING_IMAGE_PLACEHOLDER;

export interface LoadtestJobOptions {
  name: string;
  namespace: string;
  /** spec.tooling.image of the manifest: an image whose entrypoint is mlready. */
  image: string | undefined;
  workers: number;
  /** The worker's arguments after the entrypoint (mlready): `loadtest <url> … --worker-count N`. */
  args: string[];
  /** A Secret whose keys are request headers (MLREADY_HEADER_<NAME>), for credentials. */
  headerSecret?: string | undefined;
  /** Seconds the Job may run in all (pods that outlive it are stopped). */
  activeDeadlineSeconds: number;
}

/**
 * The Indexed Job that spreads a load test over pods, the way k6-operator does: one completion per
 * worker index, all running at once; each pod runs `mlready loadtest … --worker-count N` (its
 * index comes from JOB_COMPLETION_INDEX, which the Job controller sets) and prints its result as
 * one JSON line that the coordinator reads from the pod's log. Arguments are exec-form (no shell);
 * credentials never go into the Job, only a reference to a Secret.
 */
export function renderLoadtestJob(options: LoadtestJobOptions): KubeObject {
  const labels = {
    'app.kubernetes.io/name': 'mlready-loadtest',
    'app.kubernetes.io/instance': options.name,
    'app.kubernetes.io/managed-by': 'mlready',
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: options.name, namespace: options.namespace, labels },
    spec: {
      completionMode: 'Indexed',
      completions: options.workers,
      parallelism: options.workers,
      backoffLimit: 0,
      activeDeadlineSeconds: options.activeDeadlineSeconds,
      ttlSecondsAfterFinished: 3600,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'loadtest',
              image: options.image ?? IMAGE_PLACEHOLDER,
              args: options.args,
              ...(options.headerSecret
                ? { envFrom: [{ prefix: 'MLREADY_HEADER_', secretRef: { name: options.headerSecret } }] }
                : {}),
              resources: {
                requests: { cpu: '1', memory: '256Mi' },
                limits: { cpu: '1', memory: '1Gi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

/** A Job name from the service and a time stamp, within the 63 characters of a DNS label. */
export function loadtestJobName(service: string, now: Date): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const base = service
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 30);
  return `mlready-loadtest-${base || 'model'}-${stamp}`.slice(0, 63).replace(/-+$/, '');
}

export interface JobRunOptions {
  /** Give up waiting for the Job after this long (ms). */
  timeoutMs: number;
  pollMs?: number;
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  onProgress?: (line: string) => void;
}

/**
 * Starts the Job, waits for it to finish, and reads each worker's result from its pod's log.
 * Workers that left no result are named in `failures` (the merged report is then partial).
 */
export async function runLoadtestJob(
  client: ClusterClient,
  job: KubeObject,
  options: JobRunOptions,
): Promise<{ results: WorkerResult[]; failures: string[] }> {
  const containers = (job.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
    .containers;
  if (containers.some((c) => c.image === IMAGE_PLACEHOLDER))
    throw new UsageError('the load-test Job needs an image: set spec.tooling.image in mlready.yaml', {
      hint: 'an image with mlready as its entrypoint, pinned by digest; --dry-run prints the Job without it',
    });
  const { name } = job.metadata;
  const namespace = job.metadata.namespace!;
  const workers = (job.spec as { completions: number }).completions;
  await client.apply(job);
  options.onProgress?.(`started Job ${namespace}/${name} with ${workers} pods`);
  const deadline = options.now() + options.timeoutMs;
  for (;;) {
    const current = await client.get({ apiVersion: 'batch/v1', kind: 'Job', namespace, name });
    const status = (current?.status ?? {}) as {
      succeeded?: number;
      failed?: number;
      conditions?: { type: string; status: string }[];
    };
    const finished =
      (status.conditions ?? []).some(
        (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
      ) || (status.succeeded ?? 0) + (status.failed ?? 0) >= workers;
    if (finished) break;
    if (options.now() > deadline)
      throw new ClusterError(
        `Job ${namespace}/${name} did not finish within ${Math.round(options.timeoutMs / 1000)} s`,
      );
    await options.sleep(options.pollMs ?? 2000);
  }
  const pods = await client.list('v1', 'Pod', namespace, {
    labelSelector: `batch.kubernetes.io/job-name=${name}`,
  });
  const results = new Map<number, WorkerResult>();
  const failures: string[] = [];
  for (const pod of pods) {
    const annotations = pod.metadata.annotations ?? {};
    const index = Number(annotations['batch.kubernetes.io/job-completion-index'] ?? NaN);
    try {
      const log = await client.podLogs(namespace, pod.metadata.name, 'loadtest', 20);
      const result = parseWorkerOutput(log, `pod ${pod.metadata.name}`);
      results.set(Number.isNaN(index) ? result.index : index, result);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  for (let i = 0; i < workers; i++)
    if (!results.has(i)) failures.push(`worker ${i} of ${workers} returned no result`);
  return { results: [...results.values()], failures: [...new Set(failures)] };
}
