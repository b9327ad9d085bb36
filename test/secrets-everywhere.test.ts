import { cpSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, REPO_ROOT, type CliRun } from './helpers/cli.js';
import { generateRows, writeCsv } from './helpers/data.js';
import { FAKE_TOKEN, startFakeCluster, type FakeCluster } from './helpers/fake-cluster.js';
import { completeManifest } from './helpers/manifests.js';
import { openAiServer, type TestServer } from './helpers/servers.js';
import { tmpTree } from './helpers/tmp.js';

/**
 * The same credentials, planted into the input of every command: none of them may reach standard
 * output, standard error or any file a command writes. Each is fake but shaped like the real thing.
 */
const PLANTED = {
  urlPassword: 'Pl4ntedUrlPassw0rd',
  apiKeyParam: 'Pl4ntedApiKeyParam',
  bearer: 'Pl4ntedBearerT0kenValue',
  hf: 'hf_Pl4ntedHuggingFaceT0kenAbCdEfGhIj',
  github: 'ghp_Pl4ntedGitHubT0ken0123456789abcdefgh',
  aws: 'AKIAPL4NTEDEXAMPLE12',
  dbPassword: 'Pl4ntedDbPassw0rd',
  probeToken: 'Pl4ntedProbeT0kenValue',
  annotation: 'Pl4ntedAnnotationT0ken',
} as const;

const SERVICE_FILES = {
  'mlready.yaml': completeManifest('vllm', {
    uri: `hf://meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659`,
  })
    .replace(
      '  name: vllm-model\n  namespace: ml\n',
      `  name: vllm-model\n  namespace: ml\n  annotations:\n    notes: "${PLANTED.github}"\n`,
    )
    .replace(
      'dataset: s3://data/vllm/train',
      `dataset: postgres://trainer:${PLANTED.dbPassword}@db.internal:5432/train`,
    )
    .replace(
      'trainingRun: mlflow://runs/abc123',
      `trainingRun: https://mlflow.example.com/runs/abc123?api_key=${PLANTED.apiKeyParam}`,
    ),
  'k8s/deployment.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: vllm-model
  namespace: ml
  labels: { app.kubernetes.io/name: vllm-model }
  annotations:
    example.com/registry-token: ${PLANTED.annotation}
spec:
  selector: { matchLabels: { app.kubernetes.io/name: vllm-model } }
  template:
    metadata: { labels: { app.kubernetes.io/name: vllm-model, mlready.dev/model-version: 2.1.0 } }
    spec:
      containers:
        - name: server
          image: vllm/vllm-openai:latest
          args: ["--model=https://loader:${PLANTED.urlPassword}@models.example.com/llama/latest", "--api-key=${PLANTED.bearer}"]
          env:
            - { name: HF_TOKEN, value: "${PLANTED.hf}" }
            - { name: AWS_ACCESS_KEY_ID, value: "${PLANTED.aws}" }
            - { name: DATABASE_URL, value: "postgres://svc:${PLANTED.dbPassword}@db:5432/x" }
          readinessProbe:
            httpGet:
              path: /ready?token=${PLANTED.probeToken}
              port: 8000
              httpHeaders: [{ name: Authorization, value: "Bearer ${PLANTED.bearer}" }]
---
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: legacy, namespace: ml }
spec:
  predictor:
    model:
      modelFormat: { name: sklearn }
      storageUri: https://modeluser:${PLANTED.urlPassword}@models.example.com/iris/model
`,
};

/** Every planted value, and a long slice of it: not even part of one may show. */
function expectNoPlants(where: string, text: string): void {
  for (const [kind, value] of Object.entries(PLANTED)) {
    expect(text, `${kind} leaked into ${where}`).not.toContain(value);
    expect(text, `part of ${kind} leaked into ${where}`).not.toContain(value.slice(0, 14));
  }
  expect(text, `the kubeconfig token leaked into ${where}`).not.toContain(FAKE_TOKEN.slice(0, 40));
}

/** Every file under dir, with its text. */
function filesUnder(dir: string): [string, string][] {
  const out: [string, string][] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else out.push([full, readFileSync(full, 'utf8')]);
    }
  };
  walk(dir);
  return out;
}

/** Checks a run's output and every file written under `dir` since `before` (name → content). */
function expectClean(label: string, run: CliRun, dir: string, inputs: ReadonlySet<string>): void {
  expect([0, 1, 2], `${label} exit code`).toContain(run.code);
  expect(run.stderr, label).not.toMatch(/internal error/);
  expectNoPlants(`${label} stdout`, run.stdout);
  expectNoPlants(`${label} stderr`, run.stderr);
  for (const [file, text] of filesUnder(dir))
    if (!inputs.has(file)) expectNoPlants(`${label} wrote ${file}`, text);
}

function serviceDir(): { dir: string; inputs: Set<string> } {
  const dir = tmpTree(SERVICE_FILES);
  return { dir, inputs: new Set(Object.keys(SERVICE_FILES).map((f) => join(dir, f))) };
}

describe('planted credentials never leave mlready', () => {
  it.each(['text', 'json', 'sarif', 'junit', 'github'])(
    'check --format %s, to stdout and --output-file',
    async (format) => {
      const { dir, inputs } = serviceDir();
      const out = await cli(['check', '.', '--format', format], { cwd: dir });
      expect(out.code).toBe(1);
      expect(out.stdout).toContain('****');
      expectClean(`check ${format}`, out, dir, inputs);
      const toFile = await cli(['check', '.', '--format', format, '--output-file', `report.${format}`], {
        cwd: dir,
      });
      expectClean(`check ${format} --output-file`, toFile, dir, inputs);
      expect(readFileSync(join(dir, `report.${format}`), 'utf8')).toContain('****');
      const stdin = await cli(['check', '-', '--format', format], {
        cwd: dir,
        stdin: SERVICE_FILES['k8s/deployment.yaml'],
      });
      expectClean(`check - ${format}`, stdin, dir, inputs);
    },
  );

  it('check prints no Node.js warning that quotes the input (a mapping used as a key)', async () => {
    const run = await bin(['check', '-'], { input: `? { token: ${PLANTED.hf} }\n: x\n` });
    expect(run.stderr).not.toMatch(/Warning:/);
    expectNoPlants('check (warning)', run.stdout + run.stderr);
  });

  it('no library warning reaches stderr around the gate, wherever YAML is parsed (a RayService serve config)', async () => {
    // The embedded serve config is parsed by the KubeRay reader, not by check's own YAML reader:
    // an unknown tag there made the yaml package print the line, token included, through Node.
    const serveConfig = `applications:\n  - name: llm\n    !!unknowntag ${PLANTED.hf}: 2\n`;
    const rayService = {
      apiVersion: 'ray.io/v1',
      kind: 'RayService',
      metadata: { name: 'llm' },
      spec: { serveConfigV2: serveConfig, rayClusterConfig: { headGroupSpec: {}, workerGroupSpecs: [] } },
    };
    const input = JSON.stringify(rayService);
    const run = await bin(['check', '-'], { input });
    expect(run.stderr).not.toMatch(/Warning/);
    expectNoPlants('check (RayService warning)', run.stdout + run.stderr);
    const debug = await bin(['check', '-', '--debug'], { input });
    expect(debug.stderr).toMatch(/debug: YAMLWarning: .*unknowntag/);
    expectNoPlants('check --debug (RayService warning)', debug.stdout + debug.stderr);
  });

  it('init with credentials in its flags writes and prints them masked', async () => {
    const dir = tmpTree();
    const run = await cli(
      [
        'init',
        '--yes',
        '--runtime',
        'vllm',
        '--model',
        'm',
        '--model-version',
        '1.0.0',
        '--uri',
        `s3://${PLANTED.aws}:${PLANTED.urlPassword}@models/m/1.0.0/`,
        '--dataset',
        `postgres://trainer:${PLANTED.dbPassword}@db.internal:5432/train`,
        '--training-run',
        `https://mlflow.example.com/runs/1?api_key=${PLANTED.apiKeyParam}`,
        '--tooling-image',
        'registry.example.com/mlready:0.1.0',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expectClean('init', run, dir, new Set());
    const bad = await cli(
      ['init', '--yes', '--runtime', 'vllm', '--model', 'm', '--model-version', `1\n${PLANTED.hf}`],
      {
        cwd: tmpTree(),
      },
    );
    expect(bad.code).toBe(2);
    expectClean('init (refused)', bad, dir, new Set());
  });

  it('scaffold writes and prints the files with the credentials masked', async () => {
    const manifest = SERVICE_FILES['mlready.yaml']
      .replace('weights: volume', 'weights: download')
      .replace(/uri: \S+/, `uri: s3://${PLANTED.aws}:${PLANTED.urlPassword}@models/vllm-model/2.1.0/`);
    const dir = tmpTree({ 'mlready.yaml': manifest });
    const inputs = new Set([join(dir, 'mlready.yaml')]);
    const dry = await cli(['scaffold', '--dry-run'], { cwd: dir });
    expectClean('scaffold --dry-run', dry, dir, inputs);
    expect(dry.stdout).toContain('****');
    const written = await cli(['scaffold'], { cwd: dir });
    expect(written.code).toBe(0);
    expectClean('scaffold', written, dir, inputs);
  });

  describe('loadtest', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await openAiServer({ tokens: 3 });
    });
    afterAll(() => server.close());

    it('never prints or saves the URL userinfo, api_key or the bearer header', async () => {
      const dir = tmpTree({ 'mlready.yaml': SERVICE_FILES['mlready.yaml'] });
      const url = server.url.replace('http://', `http://loader:${PLANTED.urlPassword}@`);
      const target = `${url}/v1/chat/completions?api_key=${PLANTED.apiKeyParam}`;
      for (const format of ['text', 'json']) {
        const run = await cli(
          [
            'loadtest',
            target,
            '--protocol',
            'openai',
            '--model',
            'vllm-model',
            '--concurrency',
            '1',
            '--requests',
            '5',
            '--header',
            `Authorization: Bearer ${PLANTED.bearer}`,
            '--format',
            format,
            '--save',
            `saved-${format}.json`,
          ],
          { cwd: dir },
        );
        expectClean(`loadtest ${format}`, run, dir, new Set([join(dir, 'mlready.yaml')]));
        expect(run.code, run.stderr).not.toBe(2); // it measured: the output had something to leak
      }
      const malformed = await cli(
        ['loadtest', target, '--protocol', 'openai', '--header', `Authorization Bearer ${PLANTED.bearer}`],
        {
          cwd: dir,
        },
      );
      expect(malformed.code).toBe(2);
      expectClean('loadtest (bad header)', malformed, dir, new Set([join(dir, 'mlready.yaml')]));
    });
  });

  it('drift never prints the Pushgateway or webhook credentials, nor writes them into reports', async () => {
    const dir = tmpTree();
    writeCsv(join(dir, 'reference.csv'), generateRows(400, 1) as unknown as Record<string, unknown>[]);
    writeCsv(join(dir, 'current.csv'), generateRows(300, 2, true) as unknown as Record<string, unknown>[]);
    const inputs = new Set([join(dir, 'reference.csv'), join(dir, 'current.csv')]);
    for (const format of ['text', 'json', 'html', 'prometheus']) {
      const run = await cli(
        [
          'drift',
          '-r',
          'reference.csv',
          '-c',
          'current.csv',
          '--format',
          format,
          '--output-file',
          `report-${format}`,
          '--push',
          `http://gateway:${PLANTED.urlPassword}@127.0.0.1:9/?api_key=${PLANTED.apiKeyParam}`,
        ],
        { cwd: dir },
      );
      expectClean(`drift ${format}`, run, dir, inputs);
    }
    const profile = await cli(['drift', 'profile', 'reference.csv', '-o', `profile.json`], { cwd: dir });
    expectClean('drift profile', profile, dir, inputs);
    const hook = await cli(
      [
        'drift',
        '-r',
        'profile.json',
        '-c',
        'current.csv',
        '--on-critical',
        `https://hooks.example.com/x?token=${PLANTED.probeToken}`,
      ],
      { cwd: dir, env: { MLREADY_WEBHOOK_TOKEN: PLANTED.bearer } },
    );
    expectClean('drift --on-critical', hook, dir, inputs);
  });

  describe('deploy, status, history, rollback (fake API server)', () => {
    let cluster: FakeCluster;
    beforeAll(async () => {
      cluster = await startFakeCluster({ namespaces: ['ml-serving'], crds: ['prometheus-operator'] });
    });
    afterAll(() => cluster.close());

    it('print no token from the manifests, the kubeconfig or the API, even with --debug', async () => {
      const dir = tmpTree();
      cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
      const deployment = join(dir, 'k8s/deployment.yaml');
      writeFileSync(
        deployment,
        readFileSync(deployment, 'utf8')
          .replace(
            '  annotations:\n',
            `  annotations:\n    example.com/registry-token: ${PLANTED.annotation}\n`,
          )
          .replace(
            '            - name: HOME\n              value: /tmp\n',
            `            - name: HOME\n              value: /tmp\n            - name: DATABASE_URL\n              value: postgres://svc:${PLANTED.dbPassword}@db:5432/x\n`,
          ),
      );
      const inputs = new Set(filesUnder(dir).map(([f]) => f));
      const kube = ['--kubeconfig', cluster.kubeconfig];
      for (const args of [
        ['--debug', 'deploy', '.', '--skip-check', ...kube, '--format', 'json'],
        ['deploy', '.', '--skip-check', ...kube],
        ['--debug', 'status', '.', ...kube],
        ['history', '.', ...kube, '--format', 'json'],
        ['--debug', 'rollback', '.', ...kube],
      ]) {
        const run = await cli(args, { cwd: dir });
        expectClean(args.join(' '), run, dir, inputs);
        if (args.includes('deploy')) expect(run.code, run.stderr).toBe(0);
      }
      // A kubeconfig whose server URL carries credentials, pointing where nothing listens.
      const leaky = join(dir, 'leaky-kubeconfig');
      writeFileSync(
        leaky,
        readFileSync(cluster.kubeconfig, 'utf8').replace(
          /server: https:\/\/[^\n]+/,
          `server: https://admin:${PLANTED.urlPassword}@127.0.0.1:9`,
        ),
      );
      inputs.add(leaky);
      const unreachable = await cli(['--debug', 'status', '.', '--kubeconfig', leaky], { cwd: dir });
      expectClean('status (unreachable, credentials in server URL)', unreachable, dir, inputs);
    });
  });
});
