/**
 * A rule's `needs` (src/rules/rule.ts) lets the engine skip it for a service whose view holds none of
 * those kinds (issue 18). A wrong declaration would hide findings, so each declaring rule runs here
 * without the skip over every fixture, example and adversarial input of the repository, and must
 * report nothing about a service whose view holds none of its `needs`; and the whole check must give
 * the same findings and readiness with and without the skips.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckOptions } from '../src/check/run-check.js';
import type { CheckResult } from '../src/check/result.js';
import { RULES } from '../src/rules/index.js';
import type { Rule } from '../src/rules/rule.js';
import { ADVERSARIAL_INPUTS } from './helpers/rules-adversarial.js';
import { R6_INPUTS } from './helpers/r6-rules-b-adversarial.js';
import { R7_INPUTS } from './helpers/r7-rules-a-reference/inputs.js';
import { R8_INPUTS } from './helpers/r8-rules-a-reference/inputs.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOW = new Date('2026-01-01T00:00:00Z');

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.(ya?ml|json)$/.test(entry)) out.push(path);
  }
  return out;
}

const nameOf = (path: string, text: string) => /^#\s*file:\s*(\S+)$/m.exec(text)?.[1] ?? basename(path);

interface Input {
  label: string;
  options: CheckOptions;
}

const inputs: Input[] = [
  ...yamlFiles(join(ROOT, 'test/fixtures')).map((path) => {
    const text = readFileSync(path, 'utf8');
    return {
      label: path.slice(ROOT.length),
      options: { cwd: '/', texts: [{ file: nameOf(path, text), text }], now: NOW },
    };
  }),
  ...readdirSync(join(ROOT, 'examples'))
    .sort()
    .map((dir) => ({
      label: `examples/${dir}`,
      options: { cwd: join(ROOT, 'examples', dir), paths: ['.'], now: NOW },
    })),
  ...[...ADVERSARIAL_INPUTS, ...R6_INPUTS, ...R7_INPUTS, ...R8_INPUTS].map(({ file, text }, i) => ({
    label: `adversarial ${i} (${file})`,
    options: { cwd: '/', texts: [{ file, text }], now: NOW },
  })),
];

type Mutable = { needs?: Rule['needs']; check: Rule['check'] };

/** Runs `fn` with every rule's `needs` taken away (the engine then calls every rule for every service). */
function withoutNeeds<T>(fn: () => T): T {
  const saved = [...RULES.values()].map((rule) => [rule as Mutable, rule.needs] as const);
  for (const [rule] of saved) rule.needs = undefined;
  try {
    return fn();
  } finally {
    for (const [rule, needs] of saved) rule.needs = needs;
  }
}

interface Calls {
  /** Services (label: name) whose view holds none of `needs` and about which the rule reported. */
  violations: string[];
  /** Calls for a view without any of `needs` (what the engine skips), and for one with them. */
  without: number;
  with: number;
  /** Reports about a view that holds one of `needs`. */
  reports: number;
}

/** Runs `rule` without the skip on every input, watching what it reports about which views. */
function callsOf(rule: Rule, needs: readonly string[]): Calls {
  const calls: Calls = { violations: [], without: 0, with: 0, reports: 0 };
  // Kept to be called with the rule as `this`, as the engine calls it.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = rule.check;
  const mutable = rule as Mutable;
  let label = '';
  mutable.check = function (this: Rule, context) {
    const holds = context.service.objects.some((o) => needs.includes(o.type));
    let reported = 0;
    original.call(this, {
      service: context.service,
      services: context.services,
      options: context.options,
      evidence: context.evidence,
      now: context.now,
      report: (report) => {
        reported++;
        context.report(report);
      },
    });
    if (holds) {
      calls.with++;
      calls.reports += reported;
    } else {
      calls.without++;
      if (reported > 0) calls.violations.push(`${label}: ${context.service.name}`);
    }
  };
  try {
    withoutNeeds(() => {
      for (const input of inputs) {
        label = input.label;
        runCheck({ ...input.options, only: [rule.id] });
      }
    });
  } finally {
    mutable.check = original;
  }
  return calls;
}

const declaring = [...RULES.values()].filter((rule) => rule.needs !== undefined);

describe('rules that declare needs', () => {
  it('are the ones expected, each naming kinds it reads or the manifest', () => {
    expect(declaring.map((r) => r.id).sort()).toEqual([
      'blue-green-route',
      'immutable-model-config',
      'keda-prometheus-trigger',
      'keep-revision-history',
      'load-test-evidence',
      'no-committed-secret-data',
      'payload-logging-over-https',
      'progress-deadline-within-budget',
      'prometheus-rule-shape',
      'resources-match-manifest',
      'shadow-prediction-metrics',
      'spread-replicas',
      'valid-traffic-split',
    ]);
    expect(inputs.length).toBeGreaterThan(200);
  });

  it.each(declaring.map((rule) => [rule.id, rule] as const))(
    '%s reports nothing about a service whose view holds none of its needs',
    (_id, rule) => {
      const calls = callsOf(rule, rule.needs!);
      expect(calls.violations).toEqual([]);
      // The inputs hold services of both sorts, and the rule reports on some that hold its kinds.
      expect(calls.without).toBeGreaterThan(50);
      expect(calls.with).toBeGreaterThan(0);
      expect(calls.reports).toBeGreaterThan(0);
    },
  );

  it('would be caught declaring kinds whose absence the rule reports', () => {
    // require-pdb reports the missing PodDisruptionBudget: needing one would hide exactly that.
    expect(callsOf(RULES.get('require-pdb')!, ['PodDisruptionBudget']).violations.length).toBeGreaterThan(5);
    // spread-replicas without StatefulSet among its needs would skip StatefulSets it reports on.
    expect(
      callsOf(RULES.get('spread-replicas')!, ['Deployment', 'Rollout']).violations.length,
    ).toBeGreaterThan(0);
  });
});

describe('the engine with needs', () => {
  const everything = (result: CheckResult) => ({
    findings: result.findings,
    suppressed: result.suppressed,
    services: result.services,
    summary: result.summary,
  });

  it('gives the same findings, suppressed findings and readiness as without them, on every input', () => {
    let findings = 0;
    for (const input of inputs) {
      const skipping = everything(runCheck(input.options));
      const calling = withoutNeeds(() => everything(runCheck(input.options)));
      expect(skipping, input.label).toEqual(calling);
      findings += skipping.findings.length;
    }
    expect(findings).toBeGreaterThan(1000);
  });

  it('does not call a rule for a service without its needs', () => {
    const rule = RULES.get('keda-prometheus-trigger')! as Mutable & Rule;
    // eslint-disable-next-line @typescript-eslint/unbound-method
    const original = rule.check;
    let called = 0;
    rule.check = function (this: Rule, context) {
      called++;
      original.call(this, context);
    };
    try {
      const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: m, labels: { mlready.dev/model: m } }
spec:
  selector: { matchLabels: { app: m } }
  template:
    metadata: { labels: { app: m, mlready.dev/model: m } }
    spec: { containers: [{ name: s, image: vllm/vllm-openai:v0.6.0 }] }
`;
      runCheck({ cwd: '/', texts: [{ file: 'a.yaml', text: deployment }], only: [rule.id] });
      expect(called).toBe(0);
      const scaled = `${deployment}---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: { name: m }
spec: { scaleTargetRef: { name: m }, triggers: [{ type: prometheus, metadata: { query: q, threshold: "1" } }] }
`;
      runCheck({ cwd: '/', texts: [{ file: 'a.yaml', text: scaled }], only: [rule.id] });
      expect(called).toBe(1);
    } finally {
      rule.check = original;
    }
  });
});
