import { describe, expect, it } from 'vitest';
import { detectSecret, redact } from '../src/check/secrets.js';
import { FORMATTERS } from '../src/formatters/index.js';
import { checkFiles } from './helpers/check.js';

// Fake, but shaped like the real thing: each must be caught, and none may appear in any output.
const SEEDED = {
  hf: 'hf_QpW8eRt5yUi2oPaS9dFgH4jKlZx7cVbN6mW3q',
  openai: 'sk-proj-T4k8Lm2Nq9Rs5Vw1Xy7Za3Bc6De0Fg8Hj2Kp',
  aws: 'AKIAQWERTYUIOPASDFGH',
  github: 'ghp_ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210zz',
  password: 'Tr0ub4dor&3-horse-battery',
  entropy: 'q8Vz3Lp0Xk7Wm2Rt9Yb4Nc6Hd1Jf5Gs',
  pem: '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n-----END RSA PRIVATE KEY-----',
};

const FILES = {
  'svc/mlready.yaml': `apiVersion: mlready.dev/v1
kind: ModelService
metadata:
  name: leaky
  annotations: { notes: "${SEEDED.github}" }
spec:
  model: { name: leaky, version: 1.0.0 }
  serving: { runtime: custom }
`,
  'svc/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata: { name: leaky }
spec:
  selector: { matchLabels: { app: leaky } }
  template:
    metadata: { labels: { app: leaky } }
    spec:
      containers:
        - name: server
          image: registry.example.com/leaky:1.0.0
          args: ["--openai-key=${SEEDED.openai}", "--session-secret", "${SEEDED.entropy}"]
          env:
            - { name: HF_TOKEN, value: "${SEEDED.hf}" }
            - { name: DB_PASSWORD, value: "${SEEDED.password}" }
---
apiVersion: v1
kind: ConfigMap
metadata: { name: leaky-config }
data:
  aws_access_key_id: ${SEEDED.aws}
  tls.key: |
${SEEDED.pem
  .split('\n')
  .map((l) => `    ${l}`)
  .join('\n')}
---
apiVersion: v1
kind: Secret
metadata: { name: leaky-secret }
stringData:
  token: ${SEEDED.hf}
`,
  'svc/values.yaml': `auth:\n  apiKey: ${SEEDED.openai}\n`,
};

describe('secrets', () => {
  it('are detected by format, by name and by entropy', () => {
    expect(detectSecret(SEEDED.hf)?.kind).toBe('a Hugging Face token');
    expect(detectSecret(SEEDED.openai)?.kind).toBe('an OpenAI/Anthropic-style API key');
    expect(detectSecret(SEEDED.aws)?.kind).toBe('an AWS access key id');
    expect(detectSecret(SEEDED.github)?.kind).toBe('a GitHub token');
    expect(detectSecret(SEEDED.pem)?.kind).toBe('a PEM private key');
    expect(detectSecret(SEEDED.password, 'DB_PASSWORD')?.kind).toBe('a literal value for DB_PASSWORD');
    expect(detectSecret(SEEDED.entropy)?.kind).toBe('a high-entropy string');
  });

  it('are not confused with references, paths, digests and harmless names', () => {
    for (const [value, name] of [
      ['$(HF_TOKEN)', 'HF_TOKEN'],
      ['${API_KEY}', 'API_KEY'],
      ['/var/run/secrets/token', 'TOKEN_FILE'],
      ['4096', 'MAX_TOKENS'],
      ['sha256:4f1a8e8b5c2d7a9e0b3c6d5f8a1e4b7c0d3f6a9e2b5c8d1f4a7e0b3c6d9f2a5e', 'IMAGE_DIGEST'],
      ['4b825dc642cb6eb9a060e54bf8d69288fbee4904', 'GIT_COMMIT'],
      ['meta-llama/Llama-3.1-8B-Instruct', 'MODEL'],
      ['s3://models/fraud/1.4.2/model.onnx', 'MODEL_URI'],
      ['true', 'AUTH_ENABLED'],
    ] as const) {
      expect(detectSecret(value, name), `${name}=${value}`).toBeUndefined();
    }
  });

  it('are redacted to a known prefix and the last four characters', () => {
    expect(redact(SEEDED.hf)).toBe(`hf_****${SEEDED.hf.slice(-4)}`);
    expect(redact('short')).toBe('****');
    expect(redact(SEEDED.pem)).not.toContain('MIIE');
  });

  it.each([...FORMATTERS.keys()])('never appear in %s output, though every one is reported', (format) => {
    const result = checkFiles(FILES);
    const output = FORMATTERS.get(format)!(result, { color: false, version: 'test' });
    for (const [kind, value] of Object.entries(SEEDED)) {
      const probe = kind === 'pem' ? 'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lg' : value;
      expect(output, `${kind} leaked into ${format}`).not.toContain(probe);
      // Not even a long slice of it.
      expect(output).not.toContain(probe.slice(0, 16));
    }
    const reported = result.findings.filter((f) => f.ruleId === 'no-literal-secrets').map((f) => f.message);
    expect(reported).toHaveLength(8);
    expect(result.findings.some((f) => f.ruleId === 'no-committed-secret-data')).toBe(true);
  });
});
