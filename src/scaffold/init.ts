import { Document } from 'yaml';
import { UsageError } from '../errors.js';
import { parseManifest } from '../manifest/load.js';
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

/** Builds and validates the manifest; the YAML keeps a schema comment for editors. */
export function buildManifest(answers: InitAnswers): { manifest: ModelManifest; yaml: string } {
  const alertPrefix = answers.name
    .split('-')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
  const manifest: ModelManifest = {
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
      ...(answers.toolingImage ? { tooling: { image: answers.toolingImage } } : {}),
    },
  };
  const doc = new Document(manifest);
  doc.commentBefore =
    ' yaml-language-server: $schema=https://mlready.dev/schemas/mlready.schema.json\n' +
    ' Written by `mlready init`. Add spec.model.lineage (dataset, training run, code commit) before the first release.';
  const yaml = doc.toString({ lineWidth: 0 });
  parseManifest(yaml, 'mlready.yaml'); // a bug if our own output does not validate
  return { manifest, yaml };
}

function lineageOf(answers: InitAnswers): {
  lineage?: NonNullable<ModelManifest['spec']['model']['lineage']>;
} {
  const entries = Object.entries(answers.lineage ?? {}).filter(([, v]) => typeof v === 'string' && v !== '');
  return entries.length > 0 ? { lineage: Object.fromEntries(entries) } : {};
}
