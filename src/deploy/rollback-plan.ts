/**
 * What `mlready rollback` changes, decided as `kubectl rollout undo` does
 * (kubectl/pkg/polymorphichelpers/rollback.go): among the ReplicaSets the Deployment owns (by
 * owner reference UID), take the one at the wanted revision — the previous one by default — and
 * patch its pod template (without the pod-template-hash label) back into the Deployment. Pure.
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
      template: PodTemplateLike;
      patch: unknown;
    }
  | { action: 'noop'; revision: number; message: string };

export class RollbackRefused extends Error {}

export function planRollback(
  deployment: DeploymentLike,
  replicaSets: readonly ReplicaSetLike[],
  toRevision?: number,
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
  let target;
  if (toRevision === undefined || toRevision === 0) {
    target = owned.find(({ revision }) => revision < current);
    if (!target)
      throw new RollbackRefused(
        `deployment "${deployment.metadata.name}" has no previous revision to roll back to`,
      );
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
    template,
    patch: { spec: { template } },
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
