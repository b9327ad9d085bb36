import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkText } from './helpers/check.js';

const read = (name: string) => readFileSync(new URL(`./fixtures/real/${name}`, import.meta.url), 'utf8');

/** What the whole catalogue reports on shapes people really ship: [line, rule] pairs, in report order. */
const EXPECTED: Record<string, [number, string][]> = {
  'vllm-helm-rendered.yaml': [
    [28, 'require-autoscaler'],
    [28, 'require-drift-detection'],
    [28, 'require-lineage'],
    [28, 'require-metrics-scrape'],
    [28, 'require-model-metrics'],
    [28, 'require-network-policy'],
    [28, 'require-pdb'],
    [28, 'require-retraining-trigger'],
    [28, 'require-slo-alerts'],
    [35, 'replica-bounds'],
    [44, 'progress-deadline-within-budget'],
    [46, 'model-version-label'],
    [50, 'graceful-shutdown'],
    [52, 'graceful-shutdown'],
    [52, 'pod-security-context'],
    [53, 'no-floating-image-tag'],
    [57, 'versioned-model-uri'],
    [83, 'startup-budget'],
    [84, 'liveness-not-readiness'],
    [90, 'require-cpu-memory-limits'],
  ],
  'triton-hpa-queue.yaml': [
    [5, 'require-drift-detection'],
    [5, 'require-lineage'],
    [5, 'require-metrics-scrape'],
    [5, 'require-model-metrics'],
    [5, 'require-network-policy'],
    [5, 'require-pdb'],
    [5, 'require-retraining-trigger'],
    [5, 'require-slo-alerts'],
    [7, 'progress-deadline-within-budget'],
    [11, 'model-version-label'],
    [13, 'spread-replicas'],
    [15, 'pod-security-context'],
    [15, 'require-dev-shm'],
    [17, 'versioned-model-uri'],
    [25, 'startup-budget'],
  ],
  'kserve-inferenceservice.yaml': [
    [4, 'model-version-label'],
    [5, 'require-drift-detection'],
    [5, 'require-lineage'],
    [5, 'require-model-metrics'],
    [5, 'require-retraining-trigger'],
    [5, 'require-slo-alerts'],
    [8, 'replica-bounds'],
    [12, 'model-aware-readiness-probe'],
    [12, 'pod-security-context'],
  ],
  'torchserve-deployment.yaml': [
    [5, 'require-autoscaler'],
    [5, 'require-drift-detection'],
    [5, 'require-lineage'],
    [5, 'require-metrics-scrape'],
    [5, 'require-model-metrics'],
    [5, 'require-network-policy'],
    [5, 'require-pdb'],
    [5, 'require-retraining-trigger'],
    [5, 'require-slo-alerts'],
    [7, 'progress-deadline-within-budget'],
    [12, 'model-version-label'],
    [14, 'spread-replicas'],
    [16, 'graceful-shutdown'],
    [16, 'pod-security-context'],
    [16, 'require-dev-shm'],
    [25, 'startup-budget'],
    [26, 'liveness-not-readiness'],
    [37, 'require-endpoint-auth'],
    [41, 'require-endpoint-auth'],
  ],
};

describe('real-world model services', () => {
  it.each(Object.keys(EXPECTED))('%s gets exactly the expected findings', (name) => {
    const result = checkText(read(name), { file: name });
    expect(result.problems).toEqual([]);
    expect(result.findings.map((f) => [f.line, f.ruleId])).toEqual(EXPECTED[name]);
  });

  it("the vLLM chart: the Triton queue-time HPA counts as an ML metric, the chart's latest tag does not pass", () => {
    const triton = checkText(read('triton-hpa-queue.yaml'));
    expect(triton.findings.some((f) => f.ruleId === 'autoscale-on-ml-metric')).toBe(false);
    const vllm = checkText(read('vllm-helm-rendered.yaml'));
    expect(vllm.findings.find((f) => f.ruleId === 'startup-budget')?.message).toBe(
      'container "vllm" in Deployment/llama-llama3-deployment-vllm liveness restarts the pod after 45s; model load takes ~1m8s: 8 s GPU load (2 GB/s × 1 GPU) + 60 s vLLM start-up; 8B parameters (8B in the name) × 2 bytes (fp16/bf16) = 16 GB, weights Hugging Face cache on PersistentVolumeClaim llama-llama3-storage-claim: crash loop',
    );
  });
});
