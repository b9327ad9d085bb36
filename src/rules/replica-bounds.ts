import { asRecord, getPath, type K8sObject } from '../check/objects.js';
import type { ModelService } from '../check/services.js';
import type { FieldSource, Workload } from '../workloads/model.js';
import { defineRule, type Report, type RuleContext } from './rule.js';
import { estimateLoadTime, estimatePullTime } from '../estimate/load-time.js';
import { servingContainers } from './support/serving.js';
import { formatDuration } from './support/probes.js';
import { AUTOSCALER_KINDS, autoscalersIn, autoscalersOf, scalerTargetOf } from './support/scaling.js';

/** Where each autoscaler kind keeps its bounds. */
const SCALER_KEYS: Record<string, { min: string; max: string; defaultMin: number }> = {
  HorizontalPodAutoscaler: { min: 'minReplicas', max: 'maxReplicas', defaultMin: 1 },
  PodAutoscaler: { min: 'minReplicas', max: 'maxReplicas', defaultMin: 1 },
  ScaledObject: { min: 'minReplicaCount', max: 'maxReplicaCount', defaultMin: 0 },
};

/** The kind whose replica count is not yours to set (a KAITO v1beta1 Workspace runs one replica). */
const FIXED_BY_OPERATOR = 'KaitoWorkspace';

export default defineRule({
  id: 'replica-bounds',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'scaling',
  kinds: [...AUTOSCALER_KINDS, 'workload'],
  docs: {
    summary:
      'At least minReplicas (default 2) serve at all times, maxReplicas is above the minimum, scale-to-zero is deliberate, and Deployments leave replicas to their HPA.',
    why:
      'One replica means every node drain, OOM kill and rollout is an outage. maxReplicas equal to minReplicas is ' +
      'an autoscaler that cannot scale. KEDA minReplicaCount: 0 (or a Knative or KubeAI minimum of 0, their ' +
      'default) makes the first request after idle wait for a full model load. A Deployment that sets replicas ' +
      'while an HPA manages it is reset on every apply, scaling the service down in the middle of peak load.',
    fix: 'Set minReplicas ≥ 2 (option minReplicas in .mlready.yaml), maxReplicas above it, and remove spec.replicas from Deployments an HPA manages.',
  },
  defaultOptions: { minReplicas: 2 },
  check(context) {
    const { service, report, options } = context;
    const floor = typeof options.minReplicas === 'number' ? options.minReplicas : 2;
    // Indexed loops, and the finding's texts in module functions instead of two closures per call:
    // the lists are the service's frozen ones, whose iterators are not optimized away (issue 18).
    const scalers = autoscalersIn(service);
    for (let i = 0; i < scalers.length; i++) {
      const scaler = scalers[i]!;
      const keys = SCALER_KEYS[scaler.type]!;
      const spec = asRecord(scaler.raw.spec);
      const minValue = spec[keys.min];
      const maxValue = spec[keys.max];
      const min = typeof minValue === 'number' ? minValue : keys.defaultMin;
      if (min === 0 && scaler.type === 'HorizontalPodAutoscaler') continue;
      // KEDA may keep a single replica on purpose when maxReplicaCount allows growth.
      const max =
        typeof maxValue === 'number' && !(scaler.type === 'ScaledObject' && maxValue > 1)
          ? maxValue
          : undefined;
      // Most autoscalers keep their bounds: what a finding would say (the scaler's target, the
      // fields' places) is only worked out for one that does not.
      if (boundsHold(min, max, floor)) continue;
      const minAt = { object: scaler, path: typeof minValue === 'number' ? ['spec', keys.min] : ['spec'] };
      const keeps = keepsFor(service, scalerTargetOf(service, scaler));
      const maxAt = { object: scaler, path: ['spec', keys.max] };
      reportBounds(context, floor, scaler.ref, keeps, min, typeof minValue !== 'number', minAt, max, maxAt);
    }

    const workloads = service.workloads;
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      // Ray Serve replicas (serveConfigV2): the model's own replica count inside the Ray cluster.
      const deployments = workload.serveDeployments;
      for (let j = 0; j < deployments.length; j++) {
        const d = deployments[j]!;
        const min = d.numReplicas === 'auto' ? (d.minReplicas ?? 1) : (d.numReplicas ?? d.minReplicas ?? 1);
        if (min >= floor) continue;
        report({
          object: workload.object,
          path: SPEC_SERVE_CONFIG,
          message: `${workload.object.ref} Serve deployment ${d.application}/${d.name} runs ${min} replica${min === 1 ? '' : 's'}; at least ${floor} keep the model serving through a node drain or a crash`,
          fix: 'Set num_replicas (or autoscaling_config.min_replicas) to at least 2 in serveConfigV2, with max_replicas_per_node: 1.',
        });
      }
    }
    for (let i = 0; i < workloads.length; i++) {
      const workload = workloads[i]!;
      if (workload.batch || workload.info.id === FIXED_BY_OPERATOR) continue;
      const own = workload.autoscaling;
      const targeting = autoscalersOf(service, workload);
      if (own && targeting.length === 0) {
        const min = own.min ?? 1;
        const max = own.max;
        if (boundsHold(min, max, floor)) continue;
        const keeps = keepsFor(service, workload);
        const ref = workload.object.ref;
        reportBounds(
          context,
          floor,
          ref,
          keeps,
          min,
          workload.replicas.defaulted,
          own.at,
          max,
          maxAtOf(workload),
        );
        continue;
      }
      if (targeting.length > 0) {
        // The kind first: a plain comparison, where the replica count is a walk of the object.
        if (fightsHpa(workload.info.id) && typeof getPath(workload.object.raw, SPEC_REPLICAS) === 'number') {
          const scalers = refsJoined(targeting);
          const manage = scalers.includes(' and ') ? 'manage' : 'manages';
          report({
            object: workload.object,
            path: SPEC_REPLICAS,
            message: `${workload.object.ref} sets replicas while ${scalers} ${manage} them: every apply resets the scale`,
            severity: 'warning',
            fix: 'Remove spec.replicas; the autoscaler sets the floor with its minimum.',
          } satisfies Report);
        }
        continue;
      }
      const count = workload.replicas.count;
      if (count === undefined || workload.info.id === 'Pod' || count >= floor) continue;
      const keeps = keepsFor(service, workload);
      const plural = count === 1 ? '' : 's';
      const defaultNote = workload.replicas.defaulted ? ' (the default)' : '';
      report({
        object: workload.replicas.at.object,
        path: workload.replicas.at.path,
        message: `${workload.object.ref} runs ${count} replica${plural}${defaultNote}; at least ${floor} keep ${keeps} serving through a node drain or a crash`,
      });
    }
  },
});

/** Reports bounds that boundsHold rejects: a scale to zero, a minimum under the floor, a maximum not above it. */
function reportBounds(
  context: RuleContext,
  floor: number,
  ref: string,
  keeps: string,
  min: number,
  minDefaulted: boolean,
  minAt: FieldSource,
  max: number | undefined,
  maxAt: FieldSource,
): void {
  const report = context.report;
  const defaultNote = minDefaulted ? ' (the default)' : '';
  if (min === 0) {
    const coldStart = keeps === 'the model' ? `a cold start (${modelLoad(context)})` : 'a cold start';
    report({
      object: minAt.object,
      path: minAt.path,
      message: `${ref} scales to zero${defaultNote}: the first request after idle waits for ${coldStart}`,
      severity: 'warning',
    });
  } else if (min < floor) {
    const plural = min === 1 ? '' : 's';
    report({
      object: minAt.object,
      path: minAt.path,
      message: `${ref} allows ${min} replica${plural}${defaultNote}; at least ${floor} keep ${keeps} serving through a node drain or a crash`,
    });
  }
  if (max !== undefined && max <= Math.max(min, 1)) {
    report({
      object: maxAt.object,
      path: maxAt.path,
      message: `${ref} has maxReplicas ${max}, not above the minimum ${Math.max(min, 1)}: it cannot scale`,
    });
  }
}

/** The cold-start estimate, said only for a scale to zero: most services never need it. */
function modelLoad({ service, evidence, now }: RuleContext): string {
  const serving = servingContainers(service)[0];
  const load = estimateLoadTime({ service, evidence, now }, serving);
  const pull = estimatePullTime(service, serving);
  const coldSeconds = pull.seconds + load.seconds + load.beforeStartSeconds;
  return `~${formatDuration(coldSeconds)}: ${pull.text} + model load ${load.arithmetic}`;
}

/** Read by getPath and reported as a path: the engine copies a reported path, neither changes it. */
const SPEC_REPLICAS = ['spec', 'replicas'];
const SPEC_SERVE_CONFIG = ['spec', 'serveConfigV2'];

/** Whether bounds() would report nothing for these bounds (the same tests, nothing else). */
function boundsHold(min: number, max: number | undefined, floor: number): boolean {
  return min !== 0 && !(min < floor) && !(max !== undefined && max <= Math.max(min, 1));
}

/** Kinds whose spec.replicas an HPA overwrites (FIGHTS_HPA.includes(id), without a builtin call). */
function fightsHpa(id: string): boolean {
  return id === 'Deployment' || id === 'StatefulSet' || id === 'Rollout' || id === 'LeaderWorkerSet';
}

/** The scalers' refs joined with " and ", without a mapped list and its callback. */
function refsJoined(scalers: readonly K8sObject[]): string {
  let text = scalers[0]!.ref;
  for (let i = 1; i < scalers.length; i++) text += ` and ${scalers[i]!.ref}`;
  return text;
}

/** "the model" for model servers, "it" for supporting workloads (a Redis is not the model). */
function keepsFor(service: ModelService, workload: Workload | undefined): string {
  return workload && !service.modelServerReason(workload) ? 'it' : 'the model';
}

/** Where a workload's own maximum is (or would be) written. */
function maxAtOf(workload: Workload): FieldSource {
  const at = workload.autoscaling?.at ?? workload.replicas.at;
  const path = at.path;
  const last = path[path.length - 1];
  const max =
    typeof last === 'string' && /min/i.test(last) ? [...path.slice(0, -1), last.replace(/min/, 'max')] : path;
  return { object: at.object, path: max };
}
