import { Document } from 'yaml';
import { UsageError } from '../errors.js';
import { parseManifest } from '../manifest/load.js';
import { displayPath } from '../manifest/schema-errors.js';
import { validateAgainst } from '../manifest/schemas.js';
import type { ModelManifest, Protocol, Runtime } from '../manifest/types.js';
import { PROFILES, RUNTIME_NAMES } from './profiles.js';

/** Everything `mlready init` asks for; flags or prompts fill it. */
export interface InitAnswers {
  name: string;
  model: string;
  modelVersion: string;
  runtime: Runtime;
  protocol: Protocol;
  image?: string | undefined;
  uri?: string | undefined;
  gpus: number;
  gpuType?: string | undefined;
  cpu: string;
  memory: string;
  minReplicas: number;
  maxReplicas: number;
  p95Ms: number;
  errorRate: number;
  ttftMs?: number | undefined;
  driftFeatures: string[];
  driftWarn: number;
  driftCritical: number;
  rollout: 'rolling' | 'canary' | 'blue-green';
  expectedLoadSeconds: number;
  imagePullSeconds: number;
  /** mlready's own image for in-cluster jobs (spec.tooling.image). */
  toolingImage?: string | undefined;
  lineage?: {
    dataset?: string | undefined;
    datasetVersion?: string | undefined;
    trainingRun?: string | undefined;
    codeCommit?: string | undefined;
    hyperparameters?: string | undefined;
  };
}

/** The flags that must be given when nothing can be asked. */
export const REQUIRED_FLAGS = [
  ['runtime', '--runtime'],
  ['model', '--model'],
  ['modelVersion', '--model-version'],
] as const;

export function assertRuntime(value: string): Runtime {
  if (!(RUNTIME_NAMES as string[]).includes(value)) {
    throw new UsageError(`unknown runtime "${value}"; choose one of ${RUNTIME_NAMES.join(', ')}`);
  }
  return value as Runtime;
}

/** Sensible defaults for a runtime, given the model (name derived from the model id). */
export function defaultAnswers(runtime: Runtime, model: string, modelVersion: string): InitAnswers {
  const profile = PROFILES[runtime];
  const name =
    model
      .split('/')
      .pop()!
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'model';
  return {
    name,
    model,
    modelVersion,
    runtime,
    protocol: profile.protocol,
    gpus: profile.gpuByDefault ? 1 : 0,
    cpu: profile.defaults.cpu,
    memory: profile.defaults.memory,
    minReplicas: 2,
    maxReplicas: 6,
    p95Ms: profile.defaults.p95Ms,
    errorRate: 0.01,
    ttftMs: profile.llm ? 500 : undefined,
    driftFeatures: profile.llm ? ['prompt_tokens', 'completion_tokens'] : [],
    driftWarn: 0.1,
    driftCritical: 0.25,
    rollout: 'rolling',
    expectedLoadSeconds: profile.defaults.expectedLoadSeconds,
    imagePullSeconds: profile.defaults.imagePullSeconds,
  };
}

/** Where each manifest field comes from, so a bad answer is reported as the flag that gave it. */
const FLAG_OF: [RegExp, string][] = [
  [/^metadata\.name$|^spec\.monitoring\.retraining\./, '--name'],
  [/^spec\.model\.name$/, '--model'],
  [/^spec\.model\.version$/, '--model-version'],
  [/^spec\.model\.uri$/, '--uri'],
  [/^spec\.model\.lineage\.dataset$/, '--dataset'],
  [/^spec\.model\.lineage\.datasetVersion$/, '--dataset-version'],
  [/^spec\.model\.lineage\.trainingRun$/, '--training-run'],
  [/^spec\.model\.lineage\.codeCommit$/, '--code-commit'],
  [/^spec\.model\.lineage\.hyperparameters$/, '--hyperparameters'],
  [/^spec\.serving\.image$/, '--image'],
  [/^spec\.resources\.cpu$/, '--cpu'],
  [/^spec\.resources\.memory$/, '--memory'],
  [/^spec\.resources\.gpu$/, '--gpus'],
  [/^spec\.resources\.gpuType$/, '--gpu-type'],
  [/^spec\.scaling\.minReplicas$/, '--min-replicas'],
  [/^spec\.scaling\.maxReplicas$/, '--max-replicas'],
  [/^spec\.slo\.latencyMs\.p95$/, '--p95-ms'],
  [/^spec\.slo\.errorRate$/, '--error-rate'],
  [/^spec\.monitoring\.drift\.features(\[\d+\])?$/, '--drift-features'],
  [/^spec\.monitoring\.drift\.warn$/, '--drift-warn'],
  [/^spec\.monitoring\.drift\.critical$/, '--drift-critical'],
  [/^spec\.tooling\.image$/, '--tooling-image'],
];

/**
 * Checks the answers before anything is written: every problem named by the flag (or question)
 * that gave the value, as a usage error, never as a line of a file that does not exist yet.
 */
export function validateAnswers(answers: InitAnswers): void {
  const problems: string[] = [];
  const reported = new Set<string>();
  for (const problem of validateAgainst('mlready.schema.json', manifestOf(answers))) {
    const where = displayPath(problem.path);
    const flag = FLAG_OF.find(([pattern]) => pattern.test(where))?.[1];
    // One problem per flag: the Secret name derived from --name need not be reported twice.
    if (flag && reported.has(flag)) continue;
    if (flag) reported.add(flag);
    problems.push(
      flag && problem.message.startsWith(where)
        ? flag + problem.message.slice(where.length)
        : problem.message,
    );
  }
  if (answers.maxReplicas < answers.minReplicas)
    problems.push(`--max-replicas (${answers.maxReplicas}) is below --min-replicas (${answers.minReplicas})`);
  if (answers.driftWarn >= answers.driftCritical)
    problems.push(
      `--drift-warn (${answers.driftWarn}) must be below --drift-critical (${answers.driftCritical})`,
    );
  if (problems.length === 1) throw new UsageError(problems[0]!);
  if (problems.length > 1)
    throw new UsageError(`the answers do not make a valid manifest:\n  ${problems.join('\n  ')}`);
}

/** Builds and validates the manifest; the YAML keeps a schema comment for editors. */
export function buildManifest(answers: InitAnswers): { manifest: ModelManifest; yaml: string } {
  validateAnswers(answers);
  const manifest = manifestOf(answers);
  const doc = new Document(manifest);
  doc.commentBefore =
    ' yaml-language-server: $schema=https://mlready.dev/schemas/mlready.schema.json\n' +
    ' Written by `mlready init`. Add spec.model.lineage (dataset, training run, code commit) before the first release.';
  const yaml = doc.toString({ lineWidth: 0 });
  parseManifest(yaml, 'mlready.yaml'); // a bug if our own output does not validate
  return { manifest, yaml };
}

function manifestOf(answers: InitAnswers): ModelManifest {
  const alertPrefix = answers.name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  return {
    apiVersion: 'mlready.dev/v1',
    kind: 'ModelService',
    metadata: { name: answers.name },
    spec: {
      model: {
        name: answers.model,
        version: answers.modelVersion,
        ...(answers.uri ? { uri: answers.uri } : {}),
        ...lineageOf(answers),
      },
      serving: {
        runtime: answers.runtime,
        ...(answers.image ? { image: answers.image } : {}),
        protocol: answers.protocol,
        expectedLoadSeconds: answers.expectedLoadSeconds,
        imagePullSeconds: answers.imagePullSeconds,
        weights: 'volume',
      },
      resources: {
        cpu: answers.cpu,
        memory: answers.memory,
        gpu: answers.gpus,
        ...(answers.gpuType ? { gpuType: answers.gpuType } : {}),
      },
      scaling: { minReplicas: answers.minReplicas, maxReplicas: answers.maxReplicas },
      slo: {
        latencyMs: { p95: answers.p95Ms },
        errorRate: answers.errorRate,
        ...(answers.ttftMs ? { ttftMs: answers.ttftMs } : {}),
      },
      monitoring: {
        drift: {
          method: 'psi',
          ...(answers.driftFeatures.length ? { features: answers.driftFeatures } : {}),
          warn: answers.driftWarn,
          critical: answers.driftCritical,
          alertRoute: 'ml-retraining',
        },
        retraining: {
          trigger: 'webhook',
          webhook: { urlSecretRef: { name: `${answers.name}-retraining-webhook`, key: 'url' } },
          onAlert: `${alertPrefix}DataDriftCritical`,
        },
      },
      rollout: { strategy: answers.rollout, rollbackBudget: '5m' },
      ...(answers.toolingImage !== undefined ? { tooling: { image: answers.toolingImage } } : {}),
    },
  };
}

function lineageOf(answers: InitAnswers): {
  lineage?: NonNullable<ModelManifest['spec']['model']['lineage']>;
} {
  const entries = Object.entries(answers.lineage ?? {}).filter(([, v]) => typeof v === 'string' && v !== '');
  return entries.length > 0 ? { lineage: Object.fromEntries(entries) } : {};
}
