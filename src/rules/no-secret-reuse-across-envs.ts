import { dirname } from 'node:path';
import { asRecord, asString, type K8sObject } from '../check/objects.js';
import { referencedConfigNames, type ModelService } from '../check/services.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'no-secret-reuse-across-envs',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['workload', 'Secret'],
  docs: {
    summary: 'One secret name is not used by several environments (namespaces or overlay directories).',
    why:
      'When staging and production read the same secret name, they usually hold the same credential: a staging ' +
      'pod (or a staging engineer) can read production data, and rotating the token for one environment breaks the other.',
    fix: 'Give each environment its own secret (e.g. hf-token-staging, hf-token-prod) from its own secret-manager path.',
  },
  check({ service, services, report }) {
    // Report once, on the first service (in order) that uses a reused name: what each service
    // reports is worked out once per run (checking every name for every service was quadratic).
    const found = reusedSecretsByService(services).get(service);
    if (found === undefined) return;
    for (let i = 0; i < found.length; i++) {
      const reuse = found[i]!;
      report({
        object: reuse.workload,
        path: ['metadata', 'name'],
        message: `secret "${reuse.name}" is used by ${reuse.environments.length} environments (${reuse.environments.join(', ')}); give each its own`,
      });
    }
  },
});

interface SecretUse {
  service: ModelService;
  workload: K8sObject;
  environment: string;
}

/** A secret name used by several environments, reported on the first workload (in order) that uses it. */
interface Reuse {
  readonly name: string;
  readonly workload: K8sObject;
  readonly environments: readonly string[];
}

const SECRET_PREFIX = 'Secret/';

/** Computed once per run (the rule runs once per service; the answer is the same each time). */
const cache = new WeakMap<readonly ModelService[], Map<ModelService, Reuse[]>>();

function reusedSecretsByService(services: readonly ModelService[]): Map<ModelService, Reuse[]> {
  const cached = cache.get(services);
  if (cached) return cached;
  const byService = new Map<ModelService, Reuse[]>();
  for (const [name, list] of secretUses(services)) {
    const environments = [...new Set(list.map((u) => u.environment))];
    if (environments.length < 2) continue;
    const first = list[0]!;
    const reuse: Reuse = { name, workload: first.workload, environments };
    const reported = byService.get(first.service);
    if (reported) reported.push(reuse);
    else byService.set(first.service, [reuse]);
  }
  cache.set(services, byService);
  return byService;
}

function secretUses(services: readonly ModelService[]): Map<string, SecretUse[]> {
  const uses = new Map<string, SecretUse[]>();
  for (let s = 0; s < services.length; s++) {
    const service = services[s]!;
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const workload = workloads[w]!;
      // referencedConfigNames, not a walk of this rule's own: grouping calls it for every workload,
      // so it is optimized before this runs, and a copy here ran the bench's second run unoptimized
      // (issue 18). Most workloads reference no Secret at all: nothing more (pull secrets, the
      // environment) is read for them.
      const references = referencedConfigNames(workload);
      if (references.size === 0) continue;
      let names: Set<string> | undefined;
      for (const reference of references)
        if (reference.startsWith(SECRET_PREFIX))
          (names ??= new Set()).add(reference.slice(SECRET_PREFIX.length));
      if (names === undefined) continue;
      const templates = workload.templates;
      for (let t = 0; t < templates.length; t++) {
        const pulls = templates[t]!.spec.imagePullSecrets;
        if (Array.isArray(pulls))
          for (let p = 0; p < pulls.length; p++) names.delete(asString(asRecord(pulls[p]).name) ?? '');
      }
      // The environment: the namespace when there is one, else the overlay directory.
      const object = workload.object;
      const environment = object.namespace ?? dirname(object.source.file);
      for (const name of names) {
        const list = uses.get(name) ?? [];
        list.push({ service, workload: object, environment });
        uses.set(name, list);
      }
    }
  }
  return uses;
}
