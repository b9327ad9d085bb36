import { asArray, asRecord, asString } from '../check/objects.js';
import type { ContainerRef, PodTemplate } from '../workloads/model.js';
import { defineRule } from './rule.js';
import { podContainers, servingContainersOf } from './support/serving.js';

/** Commands that download weights to local disk when the pod starts. */
const DOWNLOAD =
  /huggingface-cli download|hf download|snapshot_download|aws s3 (cp|sync)|gsutil (-m )?(cp|rsync)|gcloud storage cp|azcopy|s5cmd|rclone (copy|sync)|wget |curl .*-o|storage-initializer/i;

export default defineRule({
  id: 'require-ephemeral-storage',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'resources',
  kinds: ['workload'],
  docs: {
    summary: 'Pods that download model weights to local disk at start request and limit ephemeral-storage.',
    why:
      "A 16 GB checkpoint written to a node's disk by a pod that never asked for the space fills the node: the " +
      'kubelet evicts pods at random (often other models), and the download restarts in a loop on the next node.',
    fix: 'Set resources.requests and limits "ephemeral-storage" on the container that writes the weights (and the serving container that reads them from an emptyDir), or mount a PersistentVolume.',
  },
  check({ service, report }) {
    const declaredDownload = service.manifest?.manifest.spec.serving.weights === 'download';
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      // KServe's storage initializer and operator-rendered pods size their own scratch space.
      if (workload.info.id === 'InferenceService' || workload.templates.some(isSynthesized)) continue;
      // A list only for a workload with a container that downloads (most have none).
      let downloaders: ContainerRef[] | undefined;
      const templates = workload.templates;
      for (let t = 0; t < templates.length; t++) {
        // Indexed: podContainers' list is frozen, and its iterator is not optimized away (issue 18).
        const refs = podContainers(templates[t]!);
        for (let r = 0; r < refs.length; r++) if (downloads(refs[r]!)) (downloaders ??= []).push(refs[r]!);
      }
      const writers =
        downloaders ??
        (declaredDownload
          ? servingContainersOf(service, workload).filter((ref) => ref.workload === workload.object)
          : NO_CONTAINERS);
      for (const ref of writers) {
        const resources = asRecord(ref.container.resources);
        const missing = ['requests', 'limits'].filter(
          (k) => asRecord(resources[k])['ephemeral-storage'] === undefined,
        );
        if (missing.length > 0) {
          const fields = missing.join(' or ');
          const where = ref.at(ref.container.resources === undefined ? 'name' : 'resources');
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} downloads model weights to local disk but sets no ephemeral-storage ${fields}`,
          });
        }
      }
    }
  },
});

const NO_CONTAINERS: readonly ContainerRef[] = Object.freeze([]);
const DOWNLOADER_IMAGE = /downloader|storage-initializer/;

function isSynthesized(template: PodTemplate): boolean {
  return template.synthesized;
}

function downloads(ref: ContainerRef): boolean {
  const { command, args } = ref.container;
  // Most containers run their image's entrypoint: no command line to join and search.
  if (command !== undefined || args !== undefined) {
    const text = [...asArray(command), ...asArray(args)].map(String).join(' ');
    if (DOWNLOAD.test(text)) return true;
  }
  return DOWNLOADER_IMAGE.test(asString(ref.container.image) ?? '');
}
