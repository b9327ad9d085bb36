/**
 * What `mlready rollback` changes, decided as `kubectl rollout undo` does
 * (kubectl/pkg/polymorphichelpers/rollback.go): among the ReplicaSets the Deployment owns (by
 * owner reference UID), take the one at the wanted revision — by default the newest one before
 * the current revision that mlready did not record as failed — and bring its pod template
 * (without the pod-template-hash label) back into the Deployment. Pure.
 */

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';

export interface OwnedObject {
  metadata: {
    name: string;
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string; controller?: boolean }[];
  };
}

export interface DeploymentLike extends OwnedObject {
  spec: { paused?: boolean; template: PodTemplateLike };
}

export interface ReplicaSetLike extends OwnedObject {
  metadata: OwnedObject['metadata'] & { labels?: Record<string, string> };
  spec: { template: PodTemplateLike };
}

export interface PodTemplateLike {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export type RollbackPlan =
  | {
      action: 'patch';
      fromRevision: number;
      toRevision: number;
      replicaSet: string;
      /** pod-template-hash of the target ReplicaSet: the key of its release record. */
      templateHash: string | undefined;
      template: PodTemplateLike;
      patch: unknown;
      /** Failed revisions passed over on the way to the target (newest first). */
      skipped: number[];
    }
  | { action: 'noop'; revision: number; message: string };

export class RollbackRefused extends Error {}

/**
 * @param failedTemplates pod-template-hashes whose releases mlready recorded as failed: a rollback
 *   without `toRevision` never returns to one of them.
 */
export function planRollback(
  deployment: DeploymentLike,
  replicaSets: readonly ReplicaSetLike[],
  toRevision?: number,
  failedTemplates: ReadonlySet<string> = new Set(),
): RollbackPlan {
  if (deployment.spec.paused) {
    throw new RollbackRefused(
      `deployment "${deployment.metadata.name}" is paused; resume it before rolling back (kubectl rollout resume deployment/${deployment.metadata.name})`,
    );
  }
  const owned = replicaSets
    .filter((rs) =>
      rs.metadata.ownerReferences?.some(
        (o) => o.kind === 'Deployment' && o.uid === deployment.metadata.uid && o.controller !== false,
      ),
    )
    .map((rs) => ({ rs, revision: Number(rs.metadata.annotations?.[REVISION_ANNOTATION]) }))
    .filter(({ revision }) => Number.isInteger(revision) && revision > 0)
    .sort((a, b) => b.revision - a.revision);
  const current = Number(deployment.metadata.annotations?.[REVISION_ANNOTATION] ?? owned[0]?.revision ?? 0);
  const hashOf = (rs: ReplicaSetLike) =>
    rs.metadata.labels?.['pod-template-hash'] ?? rs.spec.template.metadata?.labels?.['pod-template-hash'];
  const skipped: number[] = [];
  let target;
  if (toRevision === undefined || toRevision === 0) {
    for (const candidate of owned.filter(({ revision }) => revision < current)) {
      const hash = hashOf(candidate.rs);
      if (hash && failedTemplates.has(hash)) {
        skipped.push(candidate.revision);
        continue;
      }
      target = candidate;
      break;
    }
    if (!target) {
      const one = skipped.length === 1;
      const revisions = `revision${one ? '' : 's'} ${skipped.join(', ')}`;
      const failedNote =
        skipped.length > 0
          ? `: ${revisions} failed when mlready deployed ${one ? 'it' : 'them'} (name one with --to-revision to return to it anyway)`
          : '';
      throw new RollbackRefused(
        `deployment "${deployment.metadata.name}" has no previous revision to roll back to${failedNote}`,
      );
    }
  } else {
    target = owned.find(({ revision }) => revision === toRevision);
    if (!target) {
      const known = owned.map((o) => o.revision).join(', ') || 'none';
      throw new RollbackRefused(
        `deployment "${deployment.metadata.name}" has no revision ${toRevision} (known: ${known})`,
      );
    }
  }
  const template = withoutHash(target.rs.spec.template);
  if (target.revision === current || equalTemplates(template, withoutHash(deployment.spec.template))) {
    return {
      action: 'noop',
      revision: target.revision,
      message: `deployment "${deployment.metadata.name}" already runs the template of revision ${target.revision}: nothing to roll back`,
    };
  }
  return {
    action: 'patch',
    fromRevision: current,
    toRevision: target.revision,
    replicaSet: target.rs.metadata.name,
    templateHash: hashOf(target.rs),
    template,
    patch: { spec: { template } },
    skipped,
  };
}

function withoutHash(template: PodTemplateLike): PodTemplateLike {
  const labels = { ...(template.metadata?.labels ?? {}) };
  delete labels['pod-template-hash'];
  return { ...template, metadata: { ...template.metadata, labels } };
}

function equalTemplates(a: PodTemplateLike, b: PodTemplateLike): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
