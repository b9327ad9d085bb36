import { asArray, asRecord, asString, isRecord } from '../check/objects.js';
import { modelRefsOf } from '../workloads/model-refs.js';
import { defineRule } from './rule.js';
import { podContainers } from './support/serving.js';

/** Volume types that share one copy of the weights between pods (or with the node). */
const SHARED = ['persistentVolumeClaim', 'nfs', 'csi', 'cephfs', 'glusterfs', 'azureFile', 'iscsi'] as const;

export default defineRule({
  id: 'read-only-model-storage',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'security',
  kinds: ['workload'],
  docs: {
    summary:
      'Model stores shared between pods (PVC, NFS, CSI such as GCS FUSE) are mounted read-only into serving pods, and never come from a hostPath.',
    why:
      'Every serving pod that can write the shared model volume can corrupt or replace the weights every other ' +
      'replica loads on its next restart: one compromised or buggy pod changes the model in production without a ' +
      'rollout. A hostPath model store is worse: the weights are whatever is on that node, different per node, ' +
      'outside any version control, and the pod can write to the host.',
    fix: 'Mount the model volume with readOnly: true (and the PVC read-only); load models from a PVC, an image volume or object storage instead of a hostPath.',
  },
  check({ service, report }) {
    for (const workload of service.modelServers) {
      // Read only when a mount's name and path do not already say it holds the model.
      let modelPaths: string[] | undefined;
      const paths = () =>
        (modelPaths ??= modelRefsOf(workload)
          .map((m) => m.reference)
          .filter((r) => r.startsWith('/')));
      for (const template of workload.templates) {
        // Without volumes no mount can name one: most pods are judged without building the index.
        if (asArray(template.spec.volumes).length === 0) continue;
        const volumes = new Map(
          asArray(template.spec.volumes)
            .map(asRecord)
            .map((v, i) => [asString(v.name) ?? '', { volume: v, index: i }] as const),
        );
        const reported = new Set<string>();
        for (const ref of podContainers(template)) {
          asArray(ref.container.volumeMounts).forEach((m, mi) => {
            const mount = asRecord(m);
            const name = asString(mount.name) ?? '';
            const at = asString(mount.mountPath) ?? '';
            const entry = volumes.get(name);
            if (!entry) return;
            const { volume, index } = entry;
            const holdsModel =
              /model|weight|checkpoint|ckpt/i.test(`${name} ${at}`) ||
              paths().some((p) => p === at || p.startsWith(`${at.replace(/\/+$/, '')}/`));
            if (!holdsModel) return;
            if (isRecord(volume.hostPath)) {
              if (reported.has(name)) return;
              reported.add(name);
              const where = template.atSpec('volumes', index, 'hostPath');
              report({
                object: where.object,
                path: where.path,
                message: `${workload.object.ref} loads the model from hostPath ${asString(volume.hostPath.path) ?? ''} (volume "${name}"): the weights are whatever that node holds, outside any version`,
                severity: 'error',
              });
              return;
            }
            const type = SHARED.find((t) => isRecord(volume[t]));
            if (!type) return;
            const source = asRecord(volume[type]);
            if (mount.readOnly === true || source.readOnly === true) return;
            const what =
              type === 'persistentVolumeClaim'
                ? `PVC ${asString(source.claimName) ?? name}`
                : `${type} volume "${name}"`;
            const where = ref.at('volumeMounts', mi);
            report({
              object: where.object,
              path: where.path,
              message: `${ref.label} mounts the model store (${what}) writable at ${at}: any serving pod can change the weights every replica loads`,
            });
          });
        }
      }
    }
  },
});
