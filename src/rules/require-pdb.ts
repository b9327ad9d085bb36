import { asRecord, getPath } from '../check/objects.js';
import { isServingWorkload, podTemplateOf, selects } from '../check/workloads.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'require-pdb',
  severity: 'warning',
  section: 'scaling',
  kinds: ['PodDisruptionBudget', 'Deployment', 'StatefulSet', 'Rollout'],
  docs: {
    summary: 'A PodDisruptionBudget selects the serving pods and actually protects some of them.',
    why:
      'Node upgrades and autoscaler scale-downs evict pods through the eviction API, which only respects PDBs. ' +
      'Without one, a node-pool upgrade can evict every GPU replica at once, and reloading the model takes minutes. ' +
      'minAvailable: 0 or maxUnavailable: 100% is a PDB that protects nothing.',
    fix: 'Add a policy/v1 PodDisruptionBudget with maxUnavailable: 1 (or minAvailable: N-1) selecting the serving pods.',
  },
  check({ service, report }) {
    const pdbs = service.ofKind('PodDisruptionBudget');
    for (const pdb of pdbs) {
      const spec = asRecord(pdb.raw.spec);
      if (spec.minAvailable === 0 || spec.minAvailable === '0%') {
        report({
          object: pdb,
          path: ['spec', 'minAvailable'],
          message: `${pdb.ref} has minAvailable ${String(spec.minAvailable)}: it protects nothing`,
          severity: 'error',
        });
      }
      if (spec.maxUnavailable === '100%') {
        report({
          object: pdb,
          path: ['spec', 'maxUnavailable'],
          message: `${pdb.ref} has maxUnavailable 100%: it protects nothing`,
          severity: 'error',
        });
      }
      if (
        !service.workloads.some(
          (w) => isServingWorkload(w) && selects(spec.selector, podTemplateOf(w)?.labels ?? {}),
        )
      ) {
        report({
          object: pdb,
          path: ['spec', 'selector'],
          message: `${pdb.ref} selects none of the model service's pods`,
          severity: 'error',
        });
      }
    }
    for (const workload of service.ofKind('Deployment', 'StatefulSet', 'Rollout')) {
      const labels = podTemplateOf(workload)?.labels ?? {};
      if (!pdbs.some((pdb) => selects(getPath(pdb.raw, ['spec', 'selector']), labels))) {
        report({
          object: workload,
          path: ['metadata', 'name'],
          message: `no PodDisruptionBudget protects the pods of ${workload.ref}`,
        });
      }
    }
  },
});
