import { asArray, asRecord, asString, getPath, stringMap, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import type { KindInfo } from './kinds.js';
import type { DeclaredTraffic, Replicas, Workload } from './model.js';
import { at, podTemplate, workload } from './pods.js';
import type { WorkloadReader } from './reader.js';

const TEMPLATE = ['spec', 'template'] as const;
/** The template's paths, built once (paths are read-only): no spread per object. */
const SPEC: YamlPath = [...TEMPLATE, 'spec'];
const METADATA: YamlPath = [...TEMPLATE, 'metadata'];

const ANNOTATIONS: YamlPath = ['spec', 'template', 'metadata', 'annotations'];

/** The annotations of a bound, each key written once (not built per object and lookup). */
const MIN_SCALE = ['autoscaling.knative.dev/min-scale', 'autoscaling.knative.dev/minScale'] as const;
const MAX_SCALE = ['autoscaling.knative.dev/max-scale', 'autoscaling.knative.dev/maxScale'] as const;

/** The first of the annotations set to a whole number: the number and the annotation. */
function scale(
  annotations: Readonly<Record<string, string>>,
  keys: readonly string[],
): { value: number; key: string } | undefined {
  for (let i = 0; i < keys.length; i++) {
    const value = annotations[keys[i]!];
    if (value !== undefined && /^\d+$/.test(value)) return { value: Number(value), key: keys[i]! };
  }
  return undefined;
}

/**
 * A Knative Service (serving.knative.dev): one pod template per revision, scaled by the Knative
 * autoscaler between the min-scale and max-scale annotations (scale to zero by default), traffic
 * split between revisions by spec.traffic. Knative probes the container over TCP when it declares
 * no readiness probe. https://knative.dev/docs/serving/
 */
export const knativeReader: WorkloadReader = {
  ids: ['KnativeService'],
  read(object: K8sObject, info: KindInfo): Workload {
    const annotations = stringMap(getPath(object.raw, ANNOTATIONS));
    const min = scale(annotations, MIN_SCALE);
    const max = scale(annotations, MAX_SCALE);
    const annotationAt = (key: string | undefined) => at(object, key ? ANNOTATIONS.concat(key) : METADATA);
    const replicas: Replicas = {
      count: min?.value ?? 0,
      min: min?.value ?? 0,
      max: max?.value,
      defaulted: min === undefined,
      at: annotationAt(min?.key),
    };
    const traffic: DeclaredTraffic[] = asArray(getPath(object.raw, ['spec', 'traffic'])).flatMap((t, i) => {
      const entry = asRecord(t);
      const percent = entry.percent;
      if (typeof percent !== 'number') return [];
      const target =
        asString(entry.tag) ??
        asString(entry.revisionName) ??
        (entry.latestRevision === true ? 'latest' : `route ${i}`);
      return [{ target, percent, at: at(object, ['spec', 'traffic', i, 'percent']) }];
    });
    return workload(object, info, {
      templates: [
        podTemplate(object, {
          specPath: SPEC,
          metadataPath: METADATA,
          replicas,
          controllerLabels: { 'serving.knative.dev/service': object.name },
          // Knative names an unnamed container user-container.
          defaultContainerName: 'user-container',
        }),
      ],
      replicas,
      // A new revision comes up beside the old one and takes the traffic when ready.
      strategy: { type: 'blue-green', scaleDownDelaySeconds: 0, at: at(object, ['spec']) },
      selector: { 'serving.knative.dev/service': object.name },
      autoscaling: {
        min: min?.value ?? 0,
        max: max?.value,
        metric: annotations['autoscaling.knative.dev/metric'] ?? 'concurrency',
        at: annotationAt(min?.key),
      },
      traffic,
      injectedProbes: 'tcp',
    });
  },
};
