import { toObject, type K8sObject, type ManifestObject } from '../../src/check/objects.js';
import { groupServices, type ModelService } from '../../src/check/services.js';
import { readWorkloads } from '../../src/workloads/registry.js';
import type { ModelManifest } from '../../src/manifest/types.js';
import { parseYaml } from '../../src/manifest/yaml.js';

/** The model services of a YAML text, grouped as `check` groups them (no schema validation). */
export function servicesFrom(text: string, file = 'test.yaml'): ModelService[] {
  const { documents, problems } = parseYaml(text, file);
  if (problems.length > 0) throw new Error(problems.map((p) => p.message).join('\n'));
  const objects: K8sObject[] = [];
  const manifests: ManifestObject[] = [];
  for (const document of documents) {
    const object = toObject(document);
    if ('reason' in object) throw new Error(object.reason);
    if (object.kind === 'ModelService')
      manifests.push({ ...object, kind: 'ModelService', manifest: object.raw as unknown as ModelManifest });
    else objects.push(object);
  }
  return groupServices(objects, manifests, { workloads: readWorkloads(objects) });
}
