import { asString, isRecord, type K8sObject } from '../check/objects.js';
import type { YamlPath } from '../manifest/yaml.js';
import { floatingReason, invalidImageReason } from '../check/image.js';
import { defineRule, type Report } from './rule.js';
import { podContainers } from './support/serving.js';

export default defineRule({
  id: 'no-floating-image-tag',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: ['ModelService', 'workload', 'HelmValues'],
  docs: {
    summary:
      'Images are pinned to a version tag or a digest, never latest, latest-gpu, nightly, main, stable or no tag at all (Helm values included).',
    why:
      'A floating tag makes a rollback a lie: the previous ReplicaSet still says ":latest", so rolling back pulls ' +
      'whatever latest is today. Nodes also cache different images under the same tag, so replicas of one revision ' +
      'can run different code and different model servers. Floating tags are found by pattern (latest-gpu, ' +
      'cpu-latest, nightly-…, main-…), and in Helm values files an image block whose tag is latest (an error) or ' +
      'empty (a warning: the chart falls back to its appVersion or to latest, depending on the chart).',
    fix: 'Pin the image to an immutable version tag, or better a digest: vllm/vllm-openai:v0.6.3@sha256:….',
  },
  check({ service, report }) {
    const helmValues = service.ofKind('HelmValues');
    for (let i = 0; i < helmValues.length; i++) helmImages(helmValues[i]!, helmValues[i]!.raw, [], report);
    const manifest = service.manifest;
    const manifestImage = manifest?.manifest.spec.serving.image;
    if (manifest && manifestImage) {
      const reason = floatingReason(manifestImage);
      if (reason)
        report({
          object: manifest,
          path: ['spec', 'serving', 'image'],
          message: `mlready.yaml serving.image "${manifestImage}" ${reason}`,
        });
    }
    // Index loops: for-of makes an iterator result per step until the code is optimized (runs 1–2).
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const templates = workloads[w]!.templates;
      for (let t = 0; t < templates.length; t++) {
        const refs = podContainers(templates[t]!);
        for (let i = 0; i < refs.length; i++) {
          const ref = refs[i]!;
          const image = asString(ref.container.image);
          if (image === undefined) continue;
          const reason = invalidImageReason(image) ?? floatingReason(image);
          if (reason) {
            const where = ref.at('image');
            report({
              object: where.object,
              path: where.path,
              message: `${ref.label} image "${image}" ${reason}`,
            });
          }
        }
      }
    }
  },
});

/** Image blocks of a Helm values file (`image: { repository, tag }`, or `image: repo:tag`). */
function helmImages(object: K8sObject, value: unknown, path: YamlPath, report: (r: Report) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => helmImages(object, v, [...path, i], report));
    return;
  }
  if (!isRecord(value)) return;
  const label = `Helm values ${object.name} ${path.join('.')}`;
  if (typeof value.repository === 'string' && 'tag' in value && typeof value.digest !== 'string') {
    const tag =
      value.tag === null || value.tag === undefined
        ? ''
        : typeof value.tag === 'string' || typeof value.tag === 'number'
          ? String(value.tag)
          : '';
    const reason = tag === '' ? undefined : floatingReason(`${value.repository}:${tag}`);
    if (tag === '')
      report({
        object,
        path: [...path, 'tag'],
        message: `${label}.tag is empty: the chart falls back to its appVersion or to "latest", so the values do not say which image runs`,
        severity: 'warning',
      });
    else if (reason)
      report({
        object,
        path: [...path, 'tag'],
        message: `${label}.tag "${tag}" is a floating tag: every install pulls whatever it points to that day`,
      });
  }
  for (const [key, v] of Object.entries(value)) {
    if (key === 'image' && typeof v === 'string' && v.includes('/') && !v.includes('{{')) {
      const reason = floatingReason(v);
      if (reason)
        report({
          object,
          path: [...path, key],
          message: `Helm values ${object.name} ${[...path, key].join('.')} "${v}" ${reason}`,
        });
    } else helmImages(object, v, [...path, key], report);
  }
}
