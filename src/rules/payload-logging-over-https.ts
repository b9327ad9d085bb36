import { isRecord, type K8sObject } from '../check/objects.js';
import { defineRule, type RuleContext } from './rule.js';

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
    for (const object of service.ofKind('InferenceService', 'SeldonDeployment'))
      walk(object, object.raw, [], report);
  },
});

const PLAIN_HTTP = /^http:\/\//i;

/**
 * Every mapping of the object, for a `logger` or `requestLogger` with a plain-http url. One path
 * array is shared down the walk and copied only for a finding.
 */
function walk(
  object: K8sObject,
  value: unknown,
  path: (string | number)[],
  report: RuleContext['report'],
): void {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      walk(object, value[i], path, report);
      path.pop();
    }
    return;
  }
  if (!isRecord(value)) return;
  for (const key of Object.keys(value)) {
    const v = value[key];
    if (
      (key === 'logger' || key === 'requestLogger') &&
      isRecord(v) &&
      typeof v.url === 'string' &&
      PLAIN_HTTP.test(v.url)
    ) {
      const mode = typeof v.mode === 'string' ? v.mode : 'all';
      report({
        object,
        path: [...path, key, 'url'],
        message: `${object.ref} logs ${mode === 'request' ? 'requests' : mode === 'response' ? 'responses' : 'requests and responses'} to ${v.url} over plain http: prediction inputs may carry personal data`,
      });
    } else if (typeof v === 'object' && v !== null) {
      path.push(key);
      walk(object, v, path, report);
      path.pop();
    }
  }
}
