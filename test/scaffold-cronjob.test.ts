import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { parseManifest } from '../src/manifest/load.js';
import { TOOLING_IMAGE_PLACEHOLDER } from '../src/manifest/types.js';
import { loadTemplates, renderScaffold } from '../src/scaffold/render.js';
import { BIN, cli } from './helpers/cli.js';
import { checkFiles } from './helpers/check.js';
import { generateRows, writeCsv } from './helpers/data.js';
import { completeManifest } from './helpers/manifests.js';
import { tmpTree } from './helpers/tmp.js';

interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef: { name: string } } }[];
}
interface CronJob {
  spec: {
    jobTemplate: {
      spec: {
        podFailurePolicy: { rules: { action: string; onExitCodes: { values: number[] } }[] };
        template: { spec: { initContainers: Container[]; containers: Container[] } };
      };
    };
  };
}

function renderCronJob(text: string) {
  const { manifest } = parseManifest(text, 'mlready.yaml');
  const files = renderScaffold(
    manifest,
    { target: 'kubernetes', canary: 'none', autoscaler: 'hpa' },
    loadTemplates(),
  );
  const file = files.find((f) => f.path === 'k8s/drift-cronjob.yaml')!;
  return { content: file.content, job: parse(file.content) as CronJob, files };
}

/** Kubernetes' $(VAR) expansion of command and args (third_party/forked/golang/expansion). */
function expandLikeKubernetes(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (whole: string, name: string | undefined) =>
    name === undefined ? '$' : (env[name] ?? whole),
  );
}

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function recorder() {
  const requests: { url: string }[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests.push({ url: req.url ?? '' });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  servers.push(server);
  return { requests, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('the scaffolded drift CronJob', () => {
  it("runs mlready's own image in exec form: no shell, nothing installed at start", () => {
    const { content, job } = renderCronJob(completeManifest('custom'));
    const spec = job.spec.jobTemplate.spec.template.spec;
    for (const container of [...spec.initContainers, ...spec.containers]) {
      expect(container.command?.[0], container.name).not.toMatch(/^(sh|bash|npm|npx)$/);
    }
    expect(content).not.toMatch(/npm exec|npx|pip install|sh -c/);
    expect(spec.containers[0]!.image).toBe('registry.example.com/mlready:0.1.0');
    expect(spec.containers[0]!.command).toEqual(['mlready']);
  });

  it('defaults to a placeholder image that check flags until spec.tooling.image is set', () => {
    const text = completeManifest('custom').replace(/ {2}tooling:\n {4}image: \S+\n/, '');
    const { job, files } = renderCronJob(text);
    expect(job.spec.jobTemplate.spec.template.spec.containers[0]!.image).toBe(TOOLING_IMAGE_PLACEHOLDER);
    const inputs: Record<string, string> = { 'mlready.yaml': text };
    for (const f of files.filter((f) => f.path.endsWith('.yaml'))) inputs[f.path] = f.content;
    const result = checkFiles(inputs);
    expect(result.findings.filter((f) => f.ruleId === 'no-floating-image-tag').map((f) => f.message)).toEqual(
      [
        `container "drift" in CronJob/custom-model-drift image "${TOOLING_IMAGE_PLACEHOLDER}" is the placeholder for mlready's own image: set spec.tooling.image in mlready.yaml to a pinned mlready image and scaffold again`,
      ],
    );
  });

  it('passes hostile feature names as single arguments that Kubernetes does not expand', () => {
    const features = ['x$(id)', '`id`', 'a;b', "it's", '$(HOME)', 'y$$z'];
    const text = completeManifest('custom').replace(
      'features: [f1, f2, f3]',
      () => `features: ${JSON.stringify(features)}`,
    );
    const { job } = renderCronJob(text);
    const args = job.spec.jobTemplate.spec.template.spec.containers[0]!.args!;
    const expanded = args.map((a) => expandLikeKubernetes(a, { HOME: '/tmp', id: 'root' }));
    expect(expanded[expanded.indexOf('--features') + 1]).toBe(features.join(','));
  });

  it('runs mlready drift on the fetched data, pushes the scores and triggers retraining; critical drift stops the Job without a retry', async () => {
    const text = completeManifest('custom').replace(
      'features: [f1, f2, f3]',
      'features: [amount, age, country]',
    );
    const { job } = renderCronJob(text);
    const jobSpec = job.spec.jobTemplate.spec;
    const container = jobSpec.template.spec.containers[0]!;
    expect(
      container.env?.find((e) => e.name === 'RETRAINING_WEBHOOK_URL')?.valueFrom?.secretKeyRef.name,
    ).toBe('custom-model-retraining');
    expect(jobSpec.podFailurePolicy.rules).toEqual([
      { action: 'FailJob', onExitCodes: { containerName: 'drift', operator: 'In', values: [1] } },
    ]);
    const dir = tmpTree();
    writeCsv(join(dir, 'reference.csv'), generateRows(2000, 1) as unknown as Record<string, unknown>[]);
    writeCsv(join(dir, 'current.csv'), generateRows(1500, 2, true) as unknown as Record<string, unknown>[]);
    const profile = await cli(
      [
        'drift',
        'profile',
        'reference.csv',
        '--features',
        'amount,age,country',
        '-o',
        'reference-profile.json',
      ],
      { cwd: dir },
    );
    expect(profile.code).toBe(0);
    const gateway = await recorder();
    const hook = await recorder();
    // The job's own command and arguments, with the local build for `mlready`, the test's files for
    // the fetched data and the loopback Pushgateway for the cluster's.
    const args = container
      .args!.map((a) => expandLikeKubernetes(a, {}))
      .map((a) =>
        a === '/data/reference-profile.json'
          ? join(dir, 'reference-profile.json')
          : a === '/data/current.parquet'
            ? join(dir, 'current.csv')
            : a === 'http://prometheus-pushgateway.monitoring.svc:9091'
              ? gateway.base
              : a,
      );
    expect(container.command).toEqual(['mlready']);
    const run = await execa('node', [BIN, ...args], {
      env: { RETRAINING_WEBHOOK_URL: `${hook.base}/retrain`, NO_COLOR: '1' },
      reject: false,
    });
    expect(run.stdout).toContain('✖ critical drift: country, amount');
    expect(run.exitCode).toBe(1);
    expect(gateway.requests[0]?.url).toBe('/metrics/job/mlready_drift/model/custom-model');
    expect(hook.requests).toHaveLength(1);
  });
});
