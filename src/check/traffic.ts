import { asArray, asRecord, asString, getPath, stringMap } from './objects.js';
import type { ModelService } from './services.js';
import { isServingWorkload, podTemplateOf, selects } from './workloads.js';

export interface TrafficShare {
  version: string;
  /** Percent of requests, 0–100. */
  share: number;
  /** Where the split comes from: VirtualService/x, InferenceService/y, replicas. */
  source: string;
}

const VERSION_KEYS = ['mlready.dev/model-version', 'app.kubernetes.io/version', 'version'];

function versionOf(labels: Record<string, string>): string | undefined {
  for (const key of VERSION_KEYS) if (labels[key]) return labels[key];
  return undefined;
}

/**
 * Which model version receives which share of traffic, as declared: Istio route weights (relative,
 * mapped to versions through DestinationRule subsets), KServe canaryTrafficPercent, else replica
 * counts of the serving workloads.
 */
export function trafficShares(service: ModelService): TrafficShare[] {
  const subsets = new Map<string, string>();
  for (const rule of service.ofKind('DestinationRule')) {
    for (const subset of asArray(getPath(rule.raw, ['spec', 'subsets']))) {
      const s = asRecord(subset);
      const name = asString(s.name);
      if (name) subsets.set(name, versionOf(stringMap(s.labels)) ?? name);
    }
  }
  for (const vs of service.ofKind('VirtualService')) {
    for (const route of asArray(getPath(vs.raw, ['spec', 'http']))) {
      const destinations = asArray(asRecord(route).route).map(asRecord);
      if (destinations.length === 0) continue;
      const weights = destinations.map((d) =>
        typeof d.weight === 'number' ? d.weight : destinations.length === 1 ? 100 : 0,
      );
      const total = weights.reduce((a, b) => a + b, 0);
      if (total <= 0) continue;
      return destinations.map((d, i) => {
        const subset = asString(asRecord(d.destination).subset);
        return {
          version: (subset && subsets.get(subset)) ?? subset ?? asString(asRecord(d.destination).host) ?? '?',
          share: round((weights[i]! / total) * 100),
          source: vs.ref,
        };
      });
    }
  }
  for (const isvc of service.ofKind('InferenceService')) {
    const percent = getPath(isvc.raw, ['spec', 'predictor', 'canaryTrafficPercent']);
    const version =
      versionOf({
        ...stringMap(getPath(isvc.raw, ['metadata', 'labels'])),
        ...stringMap(getPath(isvc.raw, ['metadata', 'annotations'])),
      }) ?? 'latest';
    if (typeof percent === 'number' && percent < 100) {
      return [
        { version, share: percent, source: isvc.ref },
        { version: 'previous', share: round(100 - percent), source: isvc.ref },
      ];
    }
    return [{ version, share: 100, source: isvc.ref }];
  }
  // Replica ratio: serving workloads behind the same Service share by replicas.
  const workloads = service.workloads.filter((w) => isServingWorkload(w) && w.kind !== 'InferenceService');
  const svc = service.ofKind('Service')[0];
  const behind = svc
    ? workloads.filter((w) => selects(getPath(svc.raw, ['spec', 'selector']), podTemplateOf(w)?.labels ?? {}))
    : workloads;
  const counted = behind.map((w) => ({
    version:
      versionOf(podTemplateOf(w)?.labels ?? {}) ??
      service.manifest?.manifest.spec.model.version ??
      'unversioned',
    replicas: Math.max(1, Number(getPath(w.raw, ['spec', 'replicas']) ?? 1)),
  }));
  const total = counted.reduce((a, c) => a + c.replicas, 0);
  const byVersion = new Map<string, number>();
  for (const c of counted) byVersion.set(c.version, (byVersion.get(c.version) ?? 0) + c.replicas);
  return [...byVersion].map(([version, replicas]) => ({
    version,
    share: round((replicas / total) * 100),
    source: 'replicas',
  }));
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
