import { describe, expect, it } from 'vitest';
import {
  annotationsOf,
  asRecord,
  asString,
  getPath,
  labelsOf,
  stringMap,
  show,
  type K8sObject,
} from '../src/check/objects.js';
import { runCheck } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { RULES } from '../src/rules/index.js';
import { mentionsMetric } from '../src/rules/support/prometheus.js';
import { matchesPath, RUNTIMES } from '../src/rules/support/runtimes.js';
import {
  AUTOSCALER_KINDS,
  autoscalersOf,
  parseDurationSeconds,
  resolveIntOrPercent,
} from '../src/rules/support/scaling.js';
import { podContainers } from '../src/rules/support/serving.js';

// The shared rule helpers were reshaped for speed (issue 18): indexes built once per service,
// no per-call patterns, a shared empty map. Each is compared here with the straightforward
// version it replaced, on every service of the repository's fixtures and examples.

/** Every service (and model-server view) the rules see when the fixtures and examples are checked. */
function fixtureServices(): ModelService[] {
  const seen = new Set<ModelService>();
  const rules = ['replica-bounds', 'autoscale-on-ml-metric'].map((id) => RULES.get(id)!);
  // Restored below on the same objects, and always called with them as `this`.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const originals = rules.map((rule) => rule.check);
  rules.forEach((rule, i) => {
    (rule as { check: typeof rule.check }).check = (context) => {
      seen.add(context.service);
      originals[i]!.call(rule, context);
    };
  });
  try {
    const now = new Date('2026-01-01T00:00:00Z');
    for (const dir of ['test/fixtures/rules', 'test/fixtures/upstream', 'examples'])
      runCheck({ cwd: process.cwd(), paths: [dir], now });
  } finally {
    rules.forEach((rule, i) => ((rule as { check: typeof rule.check }).check = originals[i]!));
  }
  return [...seen];
}

const services = fixtureServices();
const objects = [...new Set(services.flatMap((s) => s.objects))];

describe('rule helpers shaped for speed answer as before', () => {
  it('reads enough of the repository to prove something', () => {
    expect(services.length).toBeGreaterThan(100);
    expect(services.some((s) => s.ofKind(...AUTOSCALER_KINDS).length > 0)).toBe(true);
  });

  it('autoscalersOf: the per-service index finds what filtering every autoscaler found', () => {
    let targeted = 0;
    for (const service of services)
      for (const workload of service.workloads) {
        const expected = service.ofKind(...AUTOSCALER_KINDS).filter((scaler) => {
          const target = asRecord(getPath(scaler.raw, ['spec', 'scaleTargetRef']));
          const kind = asString(target.kind) ?? 'Deployment';
          return asString(target.name) === workload.object.name && kind === workload.object.kind;
        });
        expect(autoscalersOf(service, workload)).toEqual(expected);
        targeted += expected.length;
      }
    expect(targeted).toBeGreaterThan(10);
  });

  it('podContainers: init containers then containers, the same list each time', () => {
    let withInit = 0;
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates) {
          const joined = podContainers(template);
          expect(joined).toEqual([...template.initContainers, ...template.containers]);
          expect(podContainers(template)).toBe(joined);
          if (template.initContainers.length > 0) withInit++;
        }
    expect(withInit).toBeGreaterThan(0);
  });

  it('labelsOf and annotationsOf: the string values of metadata, empty maps shared', () => {
    let annotated = 0;
    for (const object of objects) {
      const metadata = asRecord(object.raw.metadata);
      expect(labelsOf(object)).toEqual(stringMap(metadata.labels));
      expect(annotationsOf(object)).toEqual(stringMap(metadata.annotations));
      expect(Object.isFrozen(annotationsOf(object))).toBe(true);
      if (Object.keys(annotationsOf(object)).length > 0) annotated++;
    }
    expect(annotated).toBeGreaterThan(10);
    const bare = { raw: { metadata: {} } } as unknown as K8sObject;
    expect(annotationsOf(bare)).toEqual({});
    expect(() => ((annotationsOf(bare) as Record<string, string>).x = 'y')).toThrow();
  });

  it('parseDurationSeconds: the parts must cover the text, as with matchAll', () => {
    const reference = (text: string): number | undefined => {
      const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
      if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return undefined;
      const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
      return parts.reduce((sum, p) => sum + Number(p[1]) * unit[p[2]!]!, 0);
    };
    const texts = ['', '5', 'm', '5m', '90s', '500ms', '1h30m', '1.5h', '0s', '5m ', ' 5m', '5x', '5m5m'];
    texts.push('1.5.3s', '10s5', 'x5m', '1h30m15s500ms', '5mm', '5 m', '1e3s', '-5m', '2h-1m', '01m');
    for (const text of texts) expect([text, parseDurationSeconds(text)]).toEqual([text, reference(text)]);
    // The shared pattern keeps no state from a failed parse into the next one.
    expect(parseDurationSeconds('5x')).toBeUndefined();
    expect(parseDurationSeconds('2m')).toBe(120);
  });

  it('resolveIntOrPercent: the 25 % default resolves as the parsed percentage did', () => {
    for (let replicas = 0; replicas <= 41; replicas++)
      for (const roundUp of [true, false]) {
        const exact = (25 / 100) * replicas;
        expect(resolveIntOrPercent(undefined, replicas, '25%', roundUp)).toBe(
          roundUp ? Math.ceil(exact) : Math.floor(exact),
        );
        expect(resolveIntOrPercent('25%', replicas, '1', roundUp)).toBe(
          roundUp ? Math.ceil(exact) : Math.floor(exact),
        );
      }
    expect(resolveIntOrPercent('50%', 3, '25%', true)).toBe(2);
    expect(show('25%')).toBe('25%');
  });

  it('matchesPath: the compiled ready paths match what a pattern built per call matched', () => {
    const reference = (path: string, patterns: readonly string[]) => {
      const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
      return patterns.some((pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`).test(clean),
      );
    };
    const patterns = [...Object.values(RUNTIMES).flatMap((r) => r.readyPaths), '/custom/*/ready', '/a.b'];
    const paths = [...patterns, '/', '', '/health/', '/v1/models?x=1', '/v2/models/m/ready', '/axb', '/a.b'];
    paths.push('/v2/health/ready/', '/custom/one/ready', '/custom/one/two/ready', '/ping', '/healthz');
    let matched = 0;
    for (const path of paths)
      for (const pattern of patterns) {
        expect([path, pattern, matchesPath(path, [pattern])]).toEqual([
          path,
          pattern,
          reference(path, [pattern]),
        ]);
        if (reference(path, [pattern])) matched++;
      }
    expect(matched).toBeGreaterThan(patterns.length - 1);
  });

  it('mentionsMetric: ruling out expressions without the name changes no answer', () => {
    const reference = (expr: string, metric: string) => {
      const escaped = metric.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return new RegExp(`(^|[^\\w:])${escaped}(_bucket|_sum|_count|_total)?(?![\\w:])`).test(expr);
    };
    const exprs = [
      'rate(model_request_latency_seconds_bucket[5m]) > 1',
      'histogram_quantile(0.95, sum(rate(vllm:e2e_request_latency_seconds_bucket[5m])) by (le)) > 2',
      'model_data_drift_score > 0.25',
      'xmodel_data_drift_score > 0.25',
      'model_data_drift_scores > 1',
      '',
    ];
    const metrics = [
      'model_request_latency_seconds',
      'vllm:e2e_request_latency_seconds',
      'model_data_drift_score',
    ];
    for (const expr of exprs)
      for (const metric of metrics) expect(mentionsMetric(expr, metric)).toBe(reference(expr, metric));
  });
});
