/**
 * The llm-chat example copied to a temporary directory with its rollout strategy replaced: the
 * starting point of every release-strategy test on the fake API server (canary, shadow, blue-green),
 * so that each test states only the strategy block it is about.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './cli.js';

/** The example's image, and a newer one: both pinned by digest, as the pre-flight check asks. */
export const IMAGE_V1 =
  'vllm/vllm-openai:v0.6.3@sha256:4f1a8e8b5c2d7a9e0b3c6d5f8a1e4b7c0d3f6a9e2b5c8d1f4a7e0b3c6d9f2a5e';
export const IMAGE_V2 =
  'vllm/vllm-openai:v0.6.4@sha256:5a2b9f9c6d3e8b0f1c4d7e6a9b2f5c8d1e4a7b0c3d6e9f2a5b8c1d4e7f0a3b6c';

/** An Istio VirtualService in front of the example's Service (`llm-chat`, port 80). */
export const VIRTUAL_SERVICE = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: llm-chat
  namespace: ml-serving
spec:
  hosts: [llm-chat]
  http:
    - route:
        - destination:
            host: llm-chat
            port:
              number: 80
`;

export interface ExampleReleaseOptions {
  /** The lines of `spec.rollout` that replace the example's `strategy: rolling` (4-space indent). */
  rollout: string[];
  /** Adds k8s/virtualservice.yaml (VIRTUAL_SERVICE). */
  virtualService?: boolean;
}

/** The directory of the copied example; the caller removes it. */
export function exampleRelease(prefix: string, options: ExampleReleaseOptions): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(REPO_ROOT, 'examples/llm-chat'), dir, { recursive: true });
  if (options.virtualService) writeFileSync(join(dir, 'k8s/virtualservice.yaml'), VIRTUAL_SERVICE);
  const manifest = join(dir, 'mlready.yaml');
  const text = readFileSync(manifest, 'utf8');
  // Fails loudly if the example ever stops saying `strategy: rolling`: a test that silently kept
  // the rolling strategy would test nothing it names.
  if (!text.includes('    strategy: rolling\n'))
    throw new Error('examples/llm-chat no longer sets strategy: rolling');
  writeFileSync(
    manifest,
    text.replace('    strategy: rolling\n', options.rollout.map((l) => `${l}\n`).join('')),
  );
  return dir;
}
