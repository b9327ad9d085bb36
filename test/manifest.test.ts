import { describe, expect, it } from 'vitest';
import { checkText } from './helpers/check.js';

const GOOD = `apiVersion: mlready.dev/v1
kind: ModelService
metadata:
  name: fraud-model
spec:
  model:
    name: fraud-detector
    version: 1.4.2
  serving:
    runtime: custom
  resources:
    cpu: 2
    memory: 4Gi
    gpu: 0
`;

function problemsOf(text: string) {
  return checkText(text, { file: 'mlready.yaml' }).problems.map(
    (p) => `${p.file}:${p.line}:${p.column}: ${p.message}`,
  );
}

describe('model manifest validation', () => {
  it('accepts a valid manifest', () => {
    expect(problemsOf(GOOD)).toEqual([]);
  });

  it('says what a wrongly typed value must be, with file:line:column', () => {
    expect(problemsOf(GOOD.replace('gpu: 0', 'gpu: two'))).toEqual([
      'mlready.yaml:14:10: spec.resources.gpu must be an integer ≥ 0, got "two"',
    ]);
  });

  it('suggests the field a typo meant', () => {
    expect(problemsOf(GOOD.replace('    runtime: custom', '    runtime: custom\n    imagee: x:1'))).toEqual([
      'mlready.yaml:11:5: spec.serving has an unknown field "imagee" (did you mean "image"?)',
    ]);
  });

  it('lists the allowed values of an enum and the closest one', () => {
    expect(problemsOf(GOOD.replace('runtime: custom', 'runtime: vlm'))).toEqual([
      'mlready.yaml:10:14: spec.serving.runtime must be one of vllm, tgi, triton, torchserve, tfserving, custom; got "vlm" (did you mean "vllm"?)',
    ]);
  });

  it('points a missing required field at its parent', () => {
    expect(problemsOf(GOOD.replace('    version: 1.4.2\n', ''))).toEqual([
      'mlready.yaml:6:3: spec.model is missing the required field "version"',
    ]);
  });

  it('explains patterns in words, not regular expressions', () => {
    expect(problemsOf(GOOD.replace('memory: 4Gi', 'memory: 4 gigs'))).toEqual([
      'mlready.yaml:13:13: spec.resources.memory must be a Kubernetes quantity such as 500m, 2, 16Gi, got "4 gigs"',
    ]);
  });

  it('reports every problem of a manifest, not just the first', () => {
    const text = GOOD.replace('gpu: 0', 'gpu: -1').replace('apiVersion: mlready.dev/v1', 'apiVersion: v1');
    expect(problemsOf(text)).toEqual([
      'mlready.yaml:1:13: apiVersion must be "mlready.dev/v1", got "v1"',
      'mlready.yaml:14:10: spec.resources.gpu must be an integer ≥ 0, got -1',
    ]);
  });

  it('treats any document in a file named mlready.yaml as the manifest', () => {
    expect(problemsOf('metadata:\n  name: x\n')).toEqual([
      'mlready.yaml:1:1: the document is missing the required field "apiVersion"',
      'mlready.yaml:1:1: the document is missing the required field "kind"',
      'mlready.yaml:1:1: the document is missing the required field "spec"',
    ]);
  });
});
