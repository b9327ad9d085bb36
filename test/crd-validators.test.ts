import { describe, expect, it } from 'vitest';
import { validateKubernetesObject } from '../src/manifest/kubernetes-schema.js';

function rule(strategy: string): Record<string, unknown> {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'x' },
    spec: {
      groups: [{ name: 'g', partial_response_strategy: strategy, rules: [{ alert: 'A', expr: 'up' }] }],
    },
  };
}

describe('custom resource validators with Go-syntax patterns (re2, loaded on first use)', () => {
  it('rejects a value outside a case-insensitive (?i) pattern', () => {
    const { coverage, problems } = validateKubernetesObject(rule('bogus'));
    expect(coverage).toBe('types');
    expect(problems.map((p) => p.message)).toEqual([
      'spec.groups[0].partial_response_strategy must match pattern "^(?i)(abort|warn)?$"',
    ]);
  });

  it('accepts the pattern in any case, as Go reads (?i)', () => {
    expect(validateKubernetesObject(rule('WARN')).problems).toEqual([]);
    expect(validateKubernetesObject(rule('abort')).problems).toEqual([]);
  });
});
