import { describe, expect, it } from 'vitest';
import { computeReadiness } from '../src/check/readiness.js';
import type { Finding, RuleMeta } from '../src/check/result.js';
import type { Section, Severity } from '../src/rules/rule.js';
import { cli } from './helpers/cli.js';

const rule = (id: string, section: Section): RuleMeta => ({
  id,
  section,
  severity: 'error',
  summary: '',
  why: '',
  fix: '',
});
const RULES = [
  rule('r-res', 'resources'),
  rule('r-lin', 'lineage'),
  rule('r-sec', 'security'),
  rule('r-hea', 'health'),
  rule('r-rol', 'rollout'),
  rule('r-sca', 'scaling'),
  rule('r-mon', 'monitoring'),
  rule('r-dri', 'drift'),
  rule('r-dri2', 'drift'),
];
const finding = (ruleId: string, severity: Severity = 'error') => ({ ruleId, severity }) as Finding;

describe('readiness level', () => {
  it.each([
    ['everything clean', [], 3, []],
    ['only drift failing', [finding('r-dri')], 2, ['drift']],
    ['an info finding does not count', [finding('r-dri', 'info')], 3, []],
    ['health failing caps at 1, whatever the rest', [finding('r-hea', 'warning')], 1, ['health']],
    ['the weakest section bounds the level: lineage', [finding('r-lin', 'warning')], 0, ['lineage']],
    [
      'several blockers at the first failing level',
      [finding('r-res'), finding('r-sec'), finding('r-mon')],
      0,
      ['resources', 'security'],
    ],
  ] as const)('%s → level %i', (_case, findings, level, heldBackBy) => {
    const readiness = computeReadiness(findings as readonly Finding[], RULES);
    expect(readiness.level).toBe(level);
    expect(readiness.heldBackBy).toEqual(heldBackBy);
  });

  it('scores a section by the share of its rules that pass', () => {
    const readiness = computeReadiness([finding('r-dri')], RULES);
    expect(readiness.sections.find((s) => s.section === 'drift')).toEqual({
      section: 'drift',
      rules: 2,
      passed: 1,
      score: 50,
    });
  });

  it('the bundled good example reaches level 3; the notebook example shows what holds it back', async () => {
    const good = JSON.parse((await cli(['check', 'examples/llm-chat', '--format', 'json'])).stdout) as {
      services: { readiness: { level: number } }[];
    };
    expect(good.services.map((s) => s.readiness.level)).toEqual([3]);
    const bad = await cli(['check', 'examples/notebook-to-production']);
    expect(bad.stdout).toMatch(
      /churn-model: readiness level 0 \(manual\); held back by resources, lineage, security/,
    );
    expect(bad.stdout).toMatch(/monitoring \d+% · drift 0%/);
  });

  it('SARIF carries the level', async () => {
    const sarif = JSON.parse((await cli(['check', 'examples/llm-chat', '--format', 'sarif'])).stdout) as {
      runs: { properties: { readiness: { service: string; level: number }[] } }[];
    };
    expect(sarif.runs[0]!.properties.readiness).toMatchObject([{ service: 'llm-chat', level: 3 }]);
  });
});

describe('traffic shares in the JSON output', () => {
  it('reports version → share from Istio weights through DestinationRule subsets', async () => {
    const run = await cli([
      'check',
      'test/fixtures/rules/valid-traffic-split/valid-splits.yaml',
      '--format',
      'json',
    ]);
    const json = JSON.parse(run.stdout) as {
      services: { name: string; traffic: { version: string; share: number; source: string }[] }[];
    };
    expect(json.services.find((s) => s.name === 'fraud')?.traffic).toEqual([
      { version: '1.4.1', share: 75, source: 'VirtualService/fraud' },
      { version: '1.4.2', share: 25, source: 'VirtualService/fraud' },
    ]);
  });

  it('reports KServe canaryTrafficPercent as latest vs previous', async () => {
    const run = await cli(['check', '-', '--format', 'json'], {
      stdin:
        'apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: { name: iris, labels: { mlready.dev/model-version: "2.0" } }\nspec:\n  predictor:\n    canaryTrafficPercent: 10\n    model: { modelFormat: { name: sklearn }, storageUri: "gs://m/iris/2.0/" }\n',
    });
    const json = JSON.parse(run.stdout) as { services: { traffic: unknown[] }[] };
    expect(json.services[0]!.traffic).toEqual([
      { version: '2.0', share: 10, source: 'InferenceService/iris' },
      { version: 'previous', share: 90, source: 'InferenceService/iris' },
    ]);
  });

  it('reports Gateway API HTTPRoute backend weights, mapped to the version of the pods each backend selects', async () => {
    const deployment = (name: string, version: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name} }\nspec:\n  template:\n    metadata: { labels: { app: ${name}, mlready.dev/model: llm, mlready.dev/model-version: "${version}" } }\n    spec: { containers: [{ name: s, image: "vllm/vllm-openai:v0.8.5" }] }\n---\napiVersion: v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { selector: { app: ${name} }, ports: [{ port: 8000 }] }\n---\n`;
    const run = await cli(['check', '-', '--format', 'json', '--no-config'], {
      stdin:
        deployment('llm-stable', '1.0') +
        deployment('llm-canary', '1.1') +
        'apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: { name: llm }\nspec:\n  rules:\n    - backendRefs: [{ name: llm-stable, port: 8000, weight: 9 }, { name: llm-canary, port: 8000, weight: 1 }]\n',
    });
    const json = JSON.parse(run.stdout) as { services: { name: string; traffic: unknown[] }[] };
    expect(json.services.map((s) => [s.name, s.traffic])).toEqual([
      [
        'llm',
        [
          { version: '1.0', share: 90, source: 'HTTPRoute/llm' },
          { version: '1.1', share: 10, source: 'HTTPRoute/llm' },
        ],
      ],
    ]);
  });
});
