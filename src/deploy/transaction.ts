import { ClusterError } from '../errors.js';
import { extractOwned } from '../k8s/managed-fields.js';
import { FIELD_MANAGER, type ClusterClient, type KubeObject } from '../k8s/types.js';
import { describeChanges } from './diff.js';

/**
 * A release applied as one transaction, as far as the Kubernetes API allows: every object is
 * first applied with dryRun=All (so RBAC, admission webhooks, policies and schema validation
 * refuse the release before anything changes), then applied for real in order; if an apply
 * still fails midway, what was applied is undone in reverse order — objects this release created
 * are deleted, objects it changed get mlready's previous applied configuration back (the fields
 * mlready owned before, with their values: extractOwned), so fields other managers own are never
 * touched. See docs/deploy.md.
 */

export const refOf = (object: KubeObject) => ({
  apiVersion: object.apiVersion,
  kind: object.kind,
  name: object.metadata.name,
  namespace: object.metadata.namespace,
});

export const describeRef = (object: KubeObject) => `${object.kind}/${object.metadata.name}`;

export interface PlannedObject {
  object: KubeObject;
  ref: string;
  /** The live object before this release (undefined: it does not exist yet). */
  before: KubeObject | undefined;
  /** "path: old → new" lines the dry run showed. */
  changes: string[];
  /** Whether the dry run changed the object at all. */
  changed: boolean;
}

export interface Refusal {
  ref: string;
  message: string;
  hint?: string | undefined;
  status?: number | undefined;
}

/** Server-side dry run of every object (in parallel: nothing is stored, order does not matter). */
export async function dryRunRelease(
  cluster: ClusterClient,
  objects: readonly KubeObject[],
  options: { force: boolean },
): Promise<{ planned: PlannedObject[]; refusals: Refusal[] }> {
  const results = await Promise.all(
    objects.map(async (object) => {
      const ref = describeRef(object);
      try {
        const before = await cluster.get(refOf(object));
        const after = await cluster.apply(object, { dryRun: true, force: options.force });
        const changes = describeChanges(before, after);
        const changed = !before || changes.length > 0;
        return { planned: { object, ref, before, changes, changed } };
      } catch (error) {
        if (!(error instanceof ClusterError) || error.unreachable) throw error;
        return { refusal: { ref, message: error.message, hint: error.hint, status: error.status } };
      }
    }),
  );
  return {
    planned: results.flatMap((r) => (r.planned ? [r.planned] : [])),
    refusals: results.flatMap((r) => (r.refusal ? [r.refusal] : [])),
  };
}

export interface AppliedChange {
  ref: string;
  object: KubeObject;
  before: KubeObject | undefined;
  action: 'created' | 'configured' | 'unchanged';
}

export interface ApplyOutcome {
  applied: AppliedChange[];
  failure?: { ref: string; error: ClusterError } | undefined;
  interrupted?: boolean;
}

/** Applies in the given order; stops at the first refusal (or an interruption) and says where. */
export async function applyInOrder(
  cluster: ClusterClient,
  planned: readonly PlannedObject[],
  options: {
    force: boolean;
    signal?: AbortSignal | undefined;
    onApplied?: (change: AppliedChange) => void;
  },
): Promise<ApplyOutcome> {
  const applied: AppliedChange[] = [];
  for (const p of planned) {
    if (options.signal?.aborted) return { applied, interrupted: true };
    let after: KubeObject;
    try {
      after = await cluster.apply(p.object, { force: options.force });
    } catch (error) {
      if (!(error instanceof ClusterError) || error.unreachable) throw error;
      return { applied, failure: { ref: p.ref, error } };
    }
    const action = !p.before
      ? 'created'
      : p.before.metadata.resourceVersion === after.metadata.resourceVersion
        ? 'unchanged'
        : 'configured';
    const change: AppliedChange = { ref: p.ref, object: p.object, before: p.before, action };
    applied.push(change);
    options.onApplied?.(change);
  }
  return { applied };
}

export interface UndoResult {
  /** Objects given their previous configuration back. */
  restored: string[];
  /** Objects this release had created, deleted again. */
  deleted: string[];
  /** Objects that could not be put back, with why. */
  failed: { ref: string; message: string }[];
}

/** What an undo put back, for a message: `Deployment/a, Service/b`, or `nothing`. */
export function putBackList(undo: UndoResult): string {
  return [...undo.restored, ...undo.deleted].join(', ') || 'nothing';
}

/** Puts back what `applied` changed, newest first. Never throws for one object: it reports. */
export async function undoChanges(
  cluster: ClusterClient,
  applied: readonly AppliedChange[],
): Promise<UndoResult> {
  const result: UndoResult = { restored: [], deleted: [], failed: [] };
  for (const change of [...applied].reverse()) {
    if (change.action === 'unchanged') continue;
    try {
      if (change.action === 'created' || !change.before) {
        await cluster.delete(refOf(change.object));
        result.deleted.push(change.ref);
      } else {
        // mlready's own fields as they were: its values come back, fields it did not own before
        // are released (and removed unless another manager owns them), other managers' fields stay.
        // Not forced: a field someone else changed meanwhile is reported, not overwritten.
        await cluster.apply(extractOwned(change.before, FIELD_MANAGER));
        result.restored.push(change.ref);
      }
    } catch (error) {
      if (!(error instanceof ClusterError)) throw error;
      result.failed.push({ ref: change.ref, message: error.message });
    }
  }
  return result;
}
