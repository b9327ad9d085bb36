import type { Runtime } from '../../src/manifest/types.js';

/** A complete manifest for a runtime, as `mlready init --yes` with every flag would write it. */
export function completeManifest(
  runtime: Runtime,
  overrides: { weights?: 'baked' | 'download' | 'volume'; uri?: string } = {},
): string {
  const llm = runtime === 'vllm' || runtime === 'tgi';
  const gpu = runtime === 'custom' || runtime === 'tfserving' ? 0 : 1;
  const uri =
    overrides.uri ??
    (llm
      ? 'hf://meta-llama/Llama-3.1-8B-Instruct@0e9e39f249a16976918f6564b8830bc894c89659'
      : `s3://models/${runtime}-model/2.1.0/`);
  return `apiVersion: mlready.dev/v1
kind: ModelService
metadata:
  name: ${runtime}-model
  namespace: ml
spec:
  model:
    name: ${runtime}-model
    version: 2.1.0
    uri: ${uri}
    lineage:
      dataset: s3://data/${runtime}/train
      datasetVersion: "2026-10-01"
      trainingRun: mlflow://runs/abc123
      codeCommit: 4b825dc642cb6eb9a060e54bf8d69288fbee4904
      hyperparameters: s3://runs/abc123/params.yaml
  serving:
    runtime: ${runtime}
    image: registry.example.com/${runtime}-model:2.1.0
    expectedLoadSeconds: ${llm ? 180 : 60}
    imagePullSeconds: ${llm ? 60 : 30}
    weights: ${overrides.weights ?? 'volume'}
  resources:
    cpu: "${llm ? 8 : 4}"
    memory: ${llm ? '48Gi' : '8Gi'}
    gpu: ${gpu}
  scaling:
    minReplicas: 2
    maxReplicas: 6
  slo:
    latencyMs: { p95: ${llm ? 4000 : 150} }
    errorRate: 0.01
  monitoring:
    drift:
      method: psi
      features: [f1, f2, f3]
      warn: 0.1
      critical: 0.25
      alertRoute: ml-retraining
    retraining:
      trigger: webhook
      webhook:
        urlSecretRef: { name: ${runtime}-model-retraining, key: url }
  rollout:
    strategy: rolling
    rollbackBudget: 5m
  security:
    auth: { type: oidc }
  tooling:
    image: registry.example.com/mlready:0.1.0
`;
}
