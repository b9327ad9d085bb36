import { describe, expect, it } from 'vitest';
import { CHECKLIST } from '../src/rules/checklist.js';
import { RULES } from '../src/rules/index.js';
import { checkText } from './helpers/check.js';

describe('the production-readiness checklist', () => {
  it.each(CHECKLIST.map((c) => [`${c.section}: ${c.item}`, c.rules] as const))(
    '%s is covered by %j',
    (_item, rules) => {
      expect(rules.length).toBeGreaterThan(0);
      for (const id of rules) expect(RULES.has(id), `unknown rule ${id}`).toBe(true);
    },
  );

  it('maps every rule to a checklist item', () => {
    const covered = new Set(CHECKLIST.flatMap((c) => c.rules));
    expect([...RULES.keys()].filter((id) => !covered.has(id))).toEqual([]);
  });

  it('KServe items fire on an InferenceService as shipped by the quick-start', () => {
    const result = checkText(`apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: { name: iris }
spec:
  predictor:
    minReplicas: 1
    scaleMetric: cpu
    model:
      modelFormat: { name: sklearn }
      storageUri: gs://models/iris/latest
      resources: { limits: { nvidia.com/gpu: 1 } }
`);
    const fired = new Set(result.findings.map((f) => f.ruleId));
    const kserveItem = CHECKLIST.find((c) => c.section === 'Custom resources')!;
    expect([...kserveItem.rules].filter((id) => !fired.has(id))).toEqual([]);
  });
});
