import { asRecord } from '../check/objects.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'no-committed-secret-data',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'security',
  kinds: ['Secret'],
  docs: {
    summary: 'Secret manifests with data or stringData are not committed next to the model service.',
    why:
      'base64 is an encoding, not encryption: a committed Secret is a committed credential. It also drifts from the ' +
      'real one (rotated by hand in the cluster), so the next deploy quietly puts the old token back.',
    fix: 'Create the Secret from a secret manager (External Secrets, Sealed Secrets, SOPS, Vault) and commit only the reference.',
  },
  check({ service, report }) {
    for (const secret of service.ofKind('Secret')) {
      for (const field of ['data', 'stringData'] as const) {
        const keys = Object.keys(asRecord(secret.raw[field]));
        if (keys.length > 0) {
          report({
            object: secret,
            path: [field],
            message: `${secret.ref} commits ${field} (${keys.join(', ')}); values not shown`,
          });
        }
      }
    }
  },
});
