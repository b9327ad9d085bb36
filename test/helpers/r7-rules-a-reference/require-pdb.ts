// require-pdb as it was on main (9624913), before issue 18's seventh round: an oracle of
// test/r7-rules-a-reference.test.ts. Only its imports differ from that copy.
import { asRecord, getPath } from '../../../src/check/objects.js';
import type { Workload } from '../../../src/workloads/model.js';
import { selects } from '../../../src/workloads/selectors.js';
import { defineRule } from '../../../src/rules/rule.js';

/** Kinds whose pods a PodDisruptionBudget of your own protects (operators manage theirs). */
const PROTECTED_KINDS = ['Deployment', 'StatefulSet', 'Rollout', 'LeaderWorkerSet'];

export default defineRule({
  id: 'require-pdb',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'scaling',
  kinds: ['PodDisruptionBudget', 'Deployment', 'StatefulSet', 'Rollout', 'LeaderWorkerSet'],
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
      if (!selectsAny(spec.selector, service.workloads, false)) {
        report({
          object: pdb,
          path: ['spec', 'selector'],
          message: `${pdb.ref} selects none of the model service's pods`,
          severity: 'error',
        });
      }
    }
    for (const workload of service.workloads) {
      if (!PROTECTED_KINDS.includes(workload.info.id)) continue;
      let guarded = false;
      for (let i = 0; i < pdbs.length && !guarded; i++)
        guarded = selectsAny(getPath(pdbs[i]!.raw, SPEC_SELECTOR), [workload], true);
      if (!guarded) {
        report({
          object: workload.object,
          path: ['metadata', 'name'],
          message: `no PodDisruptionBudget protects the pods of ${workload.object.ref}`,
        });
      }
    }
  },
});

const SPEC_SELECTOR = ['spec', 'selector'];

/** Does the selector pick the pods of a template of one of the workloads (batch Jobs too, or not)? */
function selectsAny(selector: unknown, workloads: readonly Workload[], withBatch: boolean): boolean {
  for (const w of workloads) {
    if (w.batch && !withBatch) continue;
    for (const t of w.templates) if (selects(selector, t.labels)) return true;
  }
  return false;
}
