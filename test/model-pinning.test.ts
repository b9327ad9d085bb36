import { describe, expect, it } from 'vitest';
import { unversionedReason } from '../src/rules/versioned-model-uri.js';
import { checkText } from './helpers/check.js';

describe('model pinning', () => {
  // A reference that says it moves is evidence (error); a path with no version is a guess (warning):
  // the store behind it may never overwrite what it holds.
  it.each([
    ['meta-llama/Llama-3.1-8B-Instruct', false, 'error'],
    ['hf://org/model', false, 'error'],
    ['s3://models/fraud/latest/', false, 'error'],
    ['oci://quay.io/org/llama-modelcar', false, 'error'],
    ['oci://quay.io/org/llama-modelcar:main', false, 'error'],
    ['oci://quay.io/org/llama-modelcar:1.0', false, 'warning'],
    ['tos://models/iris/model', false, 'warning'],
    ['pvc://store/iris/llama-3-8b', false, 'warning'],
    ['gs://models/resnet50/model', false, 'warning'],
    ['/var/models/iris', true, 'warning'],
  ] as const)('%s is unpinned: %s', (reference, localPath, severity) => {
    expect(unversionedReason(reference, localPath)?.severity).toBe(severity);
  });

  it.each([
    ['hf://org/model@0e9e39f249a16976918f6564b8830bc894c89659', false],
    [`oci://quay.io/org/llama-modelcar@sha256:${'a'.repeat(64)}`, false],
    ['s3://models/fraud/1.4.2/model.onnx', false],
    ['gs://kfserving-examples/models/tensorflow/flowers-2', false],
    ['gs://seldon-models/v1.11.0-dev/sklearn/iris', false],
    ['tos://models/iris/2024-06-01/', false],
    ['s3://models/fraud/0e9e39f/', false],
    ['pvc://store/fraud_v3', false],
    ['/var/models/iris/3', true],
    ['/mnt/models', false],
  ] as const)('%s is pinned (or not judged)', (reference, localPath) => {
    expect(unversionedReason(reference, localPath)).toBeUndefined();
  });

  it('reports a tag-pinned OCI model image as a warning and a ConfigMap model id as an error', () => {
    const result = checkText(
      [
        'apiVersion: v1',
        'kind: ConfigMap',
        'metadata: { name: cfg }',
        'data: { MODEL_ID: org/model }',
        '---',
        'apiVersion: serving.kserve.io/v1beta1',
        'kind: InferenceService',
        'metadata: { name: m }',
        'spec:',
        '  predictor:',
        '    model: { modelFormat: { name: huggingface }, storageUri: "oci://quay.io/org/m:1.0" }',
        '    containers:',
        '      - { name: kserve-container, image: "vllm/vllm-openai:v0.6.3", envFrom: [{ configMapRef: { name: cfg } }] }',
      ].join('\n'),
      { file: 'm.yaml', only: ['versioned-model-uri'] },
    );
    expect(result.findings.map((f) => [f.line, f.severity])).toEqual([
      [4, 'error'],
      [11, 'warning'],
    ]);
  });
});
