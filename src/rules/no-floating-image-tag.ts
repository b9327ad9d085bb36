import { asString } from '../check/objects.js';
import { floatingReason } from '../check/image.js';
import { containersOf } from '../check/workloads.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'no-floating-image-tag',
  severity: 'error',
  section: 'rollout',
  kinds: [
    'ModelService',
    'Deployment',
    'StatefulSet',
    'Rollout',
    'Pod',
    'Job',
    'CronJob',
    'InferenceService',
  ],
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
      for (const ref of containersOf(workload, { init: true })) {
        const image = asString(ref.container.image);
        if (image === undefined) continue;
        const reason = floatingReason(image);
        if (reason)
          report({
            object: workload,
            path: [...ref.path, 'image'],
            message: `${ref.label} image "${image}" ${reason}`,
          });
      }
    }
  },
});
