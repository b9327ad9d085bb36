// no-secret-reuse-across-envs as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-a-reference.test.ts. Only its imports differ from that copy.
import { dirname } from 'node:path';
import { referencedConfigNames } from '../../../src/check/services.js';
import { asArray, asRecord, asString, type K8sObject } from '../../../src/check/objects.js';
import type { ModelService } from '../../../src/check/services.js';
import { defineRule } from '../../../src/rules/rule.js';

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
    // Report once, on the first service (in order) that uses a reused name.
    const uses = secretUses(services);
    for (const [name, list] of uses) {
      const environments = [...new Set(list.map((u) => u.environment))];
      if (environments.length < 2) continue;
      const first = list[0]!;
      if (first.service !== service) continue;
      const environmentList = environments.join(', ');
      report({
        object: first.workload,
        path: ['metadata', 'name'],
        message: `secret "${name}" is used by ${environments.length} environments (${environmentList}); give each its own`,
      });
    }
  },
});

interface SecretUse {
  service: ModelService;
  workload: K8sObject;
  environment: string;
}

const SECRET_PREFIX = 'Secret/';

/** Computed once per run (the rule runs once per service; the answer is the same each time). */
const cache = new WeakMap<readonly ModelService[], Map<string, SecretUse[]>>();

function secretUses(services: readonly ModelService[]): Map<string, SecretUse[]> {
  const cached = cache.get(services);
  if (cached) return cached;
  const uses = new Map<string, SecretUse[]>();
  for (const service of services) {
    for (const workload of service.workloads) {
      // A loop, not spread/filter/map: this runs over every workload of the run, and most reference
      // no Secret at all, so nothing more (pull secrets, the environment) is read for them.
      let names: Set<string> | undefined;
      for (const reference of referencedConfigNames(workload))
        if (reference.startsWith(SECRET_PREFIX))
          (names ??= new Set()).add(reference.slice(SECRET_PREFIX.length));
      if (names === undefined) continue;
      for (const template of workload.templates) {
        for (const pull of asArray(template.spec.imagePullSecrets))
          names.delete(asString(asRecord(pull).name) ?? '');
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
  cache.set(services, uses);
  return uses;
}
