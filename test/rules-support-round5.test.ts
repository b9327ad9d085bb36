import { describe, expect, it } from 'vitest';
import { asRecord, getPath } from '../src/check/objects.js';
import { runCheck } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { estimateLoadTime } from '../src/estimate/load-time.js';
import { RULES } from '../src/rules/index.js';
import { formatDuration, probeOf } from '../src/rules/support/probes.js';
import {
  describeRollback,
  estimateRollbackTime,
  rollbackTiming,
  type RollbackEstimate,
} from '../src/rules/support/rollback.js';
import {
  AUTOSCALER_KINDS,
  autoscalersOf,
  replicasOf,
  resolveIntOrPercent,
  rollbackBudgetSeconds,
  scalerTargetOf,
} from '../src/rules/support/scaling.js';
import {
  behindService,
  servingContainers,
  servingContainersOf,
  workloadOfContainer,
} from '../src/rules/support/serving.js';
import { selects } from '../src/workloads/selectors.js';
import type { Workload } from '../src/workloads/model.js';

// Issue 18, fifth round: more rule helpers reshaped for speed. Each is compared with the version it
// replaced, on every service (and model-server view) of the repository's fixtures and examples.

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

/** estimateRollbackTime as it was before its numbers and texts were split (main f023c8c). */
function referenceRollback(service: ModelService, workload: Workload): RollbackEstimate {
  const serving = servingContainersOf(service, workload)[0];
  const evidence = { deploys: [], maxAgeDays: 30 };
  const now = new Date('2026-01-01T00:00:00Z');
  const surgePlusUnavailable = (maxSurge: unknown, maxUnavailable: unknown, replicas: number) => {
    const surge = resolveIntOrPercent(maxSurge, replicas, '25%', true);
    let unavailable = resolveIntOrPercent(maxUnavailable, replicas, '25%', false);
    if (surge === 0 && unavailable === 0) unavailable = 1;
    return Math.max(1, surge + unavailable);
  };
  const replicas = Math.max(1, replicasOf(service, workload));
  const budget = rollbackBudgetSeconds(service);
  let perWave: number;
  let warm = false;
  const strategy = workload.strategy;
  switch (strategy?.type) {
    case 'ordered':
      perWave = Math.max(1, resolveIntOrPercent(strategy.maxUnavailable, replicas, '1', false));
      break;
    case 'blue-green':
      perWave = replicas;
      warm = (strategy.scaleDownDelaySeconds ?? 0) >= budget.seconds;
      break;
    case 'recreate':
      perWave = replicas;
      break;
    case 'rolling':
      perWave = surgePlusUnavailable(strategy.maxSurge, strategy.maxUnavailable, replicas);
      break;
    default:
      perWave = surgePlusUnavailable(undefined, undefined, replicas);
  }
  const waves = Math.ceil(replicas / perWave);
  const declaredPull = service.manifest?.manifest.spec.serving.imagePullSeconds;
  const pullSeconds = declaredPull ?? 0;
  const load = estimateLoadTime({ service, evidence, now }, serving);
  const loadSeconds = Math.round(load.seconds + load.beforeStartSeconds);
  const readiness = serving ? probeOf(serving, 'readinessProbe') : undefined;
  const readySeconds =
    readiness && load.confidence !== 'measured'
      ? readiness.initialDelaySeconds + readiness.periodSeconds * readiness.successThreshold
      : 0;
  const minReady = asRecord(workload.object.raw.spec).minReadySeconds;
  const minReadySeconds = typeof minReady === 'number' ? minReady : 0;
  const perWaveSeconds = pullSeconds + loadSeconds + readySeconds + minReadySeconds;
  const seconds = warm ? 0 : waves * perWaveSeconds;
  const pull = declaredPull !== undefined ? `${pullSeconds} s pull` : '0 s pull (previous image cached)';
  const terms = [pull, `${loadSeconds} s load`, `${readySeconds} s ready`];
  if (minReadySeconds > 0) terms.push(`${minReadySeconds} s minReady`);
  const arithmetic = warm
    ? 'previous pods still warm (blue-green scale-down delay): rollback is a traffic switch = 0s'
    : `${waves} wave${waves === 1 ? '' : 's'} × (${terms.join(' + ')}) = ${formatDuration(seconds)}`;
  return {
    seconds,
    budgetSeconds: budget.seconds,
    budgetText: budget.text,
    replicas,
    perWave,
    waves,
    pullSeconds,
    loadSeconds,
    readySeconds,
    minReadySeconds,
    warm,
    arithmetic,
    load,
  };
}

describe('rule helpers reshaped in the fifth round answer as before', () => {
  it('reads enough of the repository to prove something', () => {
    expect(services.length).toBeGreaterThan(100);
  });

  it('servingContainers: the same containers, in the same order, with or without batch Jobs', () => {
    let withBatch = 0;
    let shared = 0;
    for (const service of services) {
      const expected = service.workloads.flatMap((w) => (w.batch ? [] : service.servingContainers(w)));
      const got = servingContainers(service);
      expect(got.length).toBe(expected.length);
      got.forEach((ref, i) => expect(ref).toBe(expected[i]));
      expect(servingContainers(service)).toBe(got);
      expect(Object.isFrozen(got)).toBe(true);
      if (service.workloads.some((w) => w.batch)) withBatch++;
      else if (got.length > 0) shared++;
    }
    expect(withBatch).toBeGreaterThan(0);
    expect(shared).toBeGreaterThan(50);
  });

  it('scalerTargetOf: the first workload whose autoscalers include the scaler', () => {
    let targeted = 0;
    let scalers = 0;
    for (const service of services)
      for (const scaler of service.ofKind(...AUTOSCALER_KINDS)) {
        scalers++;
        const expected = service.workloads.find((w) => autoscalersOf(service, w).includes(scaler));
        expect(scalerTargetOf(service, scaler)).toBe(expected);
        if (expected) targeted++;
      }
    expect(targeted).toBeGreaterThan(10);
    expect(scalers).toBeGreaterThan(targeted); // some target nothing of the service
  });

  it('estimateRollbackTime: the numbers, then the texts, equal the one-pass estimate', () => {
    let compared = 0;
    let withReadiness = 0;
    const now = new Date('2026-01-01T00:00:00Z');
    const evidence = { deploys: [], maxAgeDays: 30 };
    for (const service of services)
      for (const workload of service.workloads) {
        const serving = servingContainersOf(service, workload)[0];
        const expected = referenceRollback(service, workload);
        expect(estimateRollbackTime(service, workload, serving, evidence, now)).toEqual(expected);
        expect(describeRollback(rollbackTiming(service, workload, serving, evidence, now))).toEqual(expected);
        compared++;
        if (expected.readySeconds > 0) withReadiness++;
      }
    expect(compared).toBeGreaterThan(100);
    expect(withReadiness).toBeGreaterThan(10);
  });

  it('behindService: one entry per template answers for whichever service asks', () => {
    let behind = 0;
    let asked = 0;
    // Twice over, services interleaved: a view and its service asking about the same template
    // each get their own answer, the second time from the entry.
    for (let round = 0; round < 2; round++)
      for (const service of services)
        for (const workload of service.workloads)
          for (const template of workload.templates) {
            const expected = service
              .ofKind('Service', 'InferencePool', 'InferencePoolAlpha')
              .some((s) => selects(getPath(s.raw, ['spec', 'selector']), template.labels));
            expect(behindService(service, template)).toBe(expected);
            asked++;
            if (expected) behind++;
          }
    expect(behind).toBeGreaterThan(20);
    expect(asked).toBeGreaterThan(behind);
  });

  it("workloadOfContainer: the engine's lookup, for every container of every workload", () => {
    let found = 0;
    for (const service of services)
      for (const workload of service.workloads)
        for (const template of workload.templates)
          for (const ref of [...template.initContainers, ...template.containers]) {
            const expected = service.workloadOf(ref.workload);
            expect(workloadOfContainer(service, ref)).toBe(expected);
            if (expected === workload) found++;
          }
    expect(found).toBeGreaterThan(100);
  });
});
