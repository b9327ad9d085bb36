import { asString } from '../check/objects.js';
import { floatingReason, invalidImageReason } from '../check/image.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'no-floating-image-tag',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'rollout',
  kinds: ['ModelService', 'workload'],
  docs: {
    summary: 'Images are pinned to a version tag or a digest, never latest, main, stable or no tag at all.',
    why:
      'A floating tag makes a rollback a lie: the previous ReplicaSet still says ":latest", so rolling back pulls ' +
      'whatever latest is today. Nodes also cache different images under the same tag, so replicas of one revision ' +
      'can run different code and different model servers.',
    fix: 'Pin the image to an immutable version tag, or better a digest: vllm/vllm-openai:v0.6.3@sha256:….',
  },
  check({ service, report }) {
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
    for (const workload of service.workloads) {
      for (const template of workload.templates)
        for (const ref of [...template.initContainers, ...template.containers]) {
          const image = asString(ref.container.image);
          if (image === undefined) continue;
          const reason = invalidImageReason(image) ?? floatingReason(image);
          if (reason)
            report({
              ...ref.at('image'),
              message: `${ref.label} image "${image}" ${reason}`,
            });
        }
    }
  },
});
