import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Ajv04 from 'ajv-draft-04';
import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/check/result.js';
import { FORMATTERS } from '../src/formatters/index.js';
import { CHECK_FORMATS } from '../src/cli/program.js';
import { checkFiles } from './helpers/check.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const require = createRequire(import.meta.url);

/** A result with every shape a formatter must handle: findings of each severity, an input problem, a suppression. */
function sampleResult(): CheckResult {
  return checkFiles({
    'svc/mlready.yaml': `apiVersion: mlready.dev/v1
kind: ModelService
metadata: { name: churn }
spec:
  model: { name: churn, version: "0.3" }
  serving: { runtime: custom, image: "registry.example.com/churn-api:latest" }
`,
    'svc/deploy.yaml': `apiVersion: apps/v1
kind: Deployment
metadata:
  name: churn
  annotations:
    mlready.dev/ignore: require-readiness-probe
spec:
  selector: { matchLabels: { app: churn } }
  template:
    metadata: { labels: { app: churn } }
    spec:
      containers:
        - name: "api<&\\"'>"
          image: registry.example.com/churn-api
          ports: [{ containerPort: 8080 }]
`,
    'svc/broken.yaml': 'kind: [\n',
  });
}

const EXTENSIONS: Record<string, string> = {
  text: 'txt',
  json: 'json',
  sarif: 'sarif',
  junit: 'xml',
  github: 'github.txt',
};

describe('formatters', () => {
  const result = sampleResult();

  it('are the formats the CLI offers', () => {
    expect([...FORMATTERS.keys()]).toEqual([...CHECK_FORMATS]);
  });

  it.each([...FORMATTERS.keys()])('%s matches its golden file', (name) => {
    const output = FORMATTERS.get(name)!(result, { color: false, version: '0.0.0-test' });
    const file = `${GOLDEN}check.${EXTENSIONS[name]}`;
    // Regenerate after an intended change with UPDATE_GOLDEN=1 npx vitest run test/formatters.test.ts, then review the diff.
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, output);
    expect(existsSync(file), `missing golden file ${file}`).toBe(true);
    expect(output).toBe(readFileSync(file, 'utf8'));
  });

  it.each([...FORMATTERS.keys()])('%s keeps paths relative', (name) => {
    const output = FORMATTERS.get(name)!(result, { color: false, version: '0.0.0-test' });
    expect(output).toContain('svc/deploy.yaml');
    expect(output).not.toMatch(/["'( =]\/svc\//);
  });

  it('text is coloured only when asked', () => {
    const format = FORMATTERS.get('text')!;
    // eslint-disable-next-line no-control-regex
    expect(format(result, { color: false, version: 'x' })).not.toMatch(/\u001b\[/);
    // eslint-disable-next-line no-control-regex
    expect(format(result, { color: true, version: 'x' })).toMatch(/\u001b\[31m/);
  });

  it('orders findings by file, line and column whatever the rule order', () => {
    const positions = result.findings.map((f) => [f.file, f.line, f.column] as const);
    const sorted = [...positions].sort((a, b) => a[0].localeCompare(b[0]) || a[1] - b[1] || a[2] - b[2]);
    expect(positions).toEqual(sorted);
  });

  it('junit escapes XML in names and messages', () => {
    const xml = FORMATTERS.get('junit')!(result, { color: false, version: 'x' });
    expect(xml).toContain('container &quot;api&lt;&amp;&quot;&apos;&gt;&quot;');
    expect(xml).not.toContain('api<&');
    // Every opened element is closed: a crude well-formedness check.
    expect(xml.match(/<testsuite /g)?.length).toBe(xml.match(/<\/testsuite>/g)?.length);
  });

  it('github escapes newlines and the property separators', () => {
    const out = FORMATTERS.get('github')!(result, { color: false, version: 'x' });
    for (const line of out.trimEnd().split('\n'))
      expect(line).toMatch(/^(::(error|warning|notice) [^:]*::|mlready: )/);
  });

  it('sarif validates against the official SARIF 2.1.0 schema and lists every rule it reports', () => {
    const sarif = JSON.parse(FORMATTERS.get('sarif')!(result, { color: false, version: '1.2.3' })) as {
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; ruleIndex: number; suppressions?: unknown[] }[];
        invocations: { executionSuccessful: boolean }[];
      }[];
    };
    const schema = JSON.parse(
      readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'),
    ) as object;
    const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    expect(validate(sarif), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const run = sarif.runs[0]!;
    const ids = run.tool.driver.rules.map((r) => r.id);
    for (const r of run.results) {
      expect(ids).toContain(r.ruleId);
      expect(ids[r.ruleIndex]).toBe(r.ruleId);
    }
    expect(run.results.filter((r) => r.suppressions).length).toBe(1);
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
  });

  it('json carries the whole result', () => {
    const json = JSON.parse(
      FORMATTERS.get('json')!(result, { color: false, version: '1.2.3' }),
    ) as CheckResult & { version: string };
    expect(json.version).toBe('1.2.3');
    expect(json.findings).toEqual(result.findings);
    expect(json.summary).toEqual(result.summary);
  });
});
