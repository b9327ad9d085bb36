import { isRecord, type K8sObject } from '../../../src/check/objects.js';
import type { YamlPath } from '../../../src/manifest/yaml.js';
import { defineRule } from '../../../src/rules/rule.js';

export default defineRule({
  id: 'payload-logging-over-https',
  severity: 'warning',
  appliesTo: 'model-servers',
  section: 'security',
  kinds: ['InferenceService', 'SeldonDeployment'],
  docs: {
    summary:
      'Request and response logging (KServe logger, Seldon request logging) sends payloads over https, not plain http.',
    why:
      'Payload loggers copy every prediction request and response, inputs included, to another service. Inputs ' +
      'of real models carry personal data (names, messages, images, transactions); over plain http anyone on the ' +
      'path (a sidecar-less namespace, a node, a mirror) reads them.',
    fix: 'Point the logger at an https endpoint (or keep it inside an mTLS mesh and say so with an ignore annotation and its reason), and log only what you need (mode: response or a sample).',
  },
  check({ service, report }) {
    for (const object of service.ofKind('InferenceService', 'SeldonDeployment')) walk(object, object.raw, []);
    function walk(object: K8sObject, value: unknown, path: YamlPath): void {
      if (Array.isArray(value)) {
        value.forEach((v, i) => walk(object, v, [...path, i]));
        return;
      }
      if (!isRecord(value)) return;
      for (const [key, v] of Object.entries(value)) {
        if (
          /^(logger|requestLogger)$/.test(key) &&
          isRecord(v) &&
          typeof v.url === 'string' &&
          /^http:\/\//i.test(v.url)
        ) {
          const mode = typeof v.mode === 'string' ? v.mode : 'all';
          report({
            object,
            path: [...path, key, 'url'],
            message: `${object.ref} logs ${mode === 'request' ? 'requests' : mode === 'response' ? 'responses' : 'requests and responses'} to ${v.url} over plain http: prediction inputs may carry personal data`,
          });
        } else walk(object, v, [...path, key]);
      }
    }
  },
});
