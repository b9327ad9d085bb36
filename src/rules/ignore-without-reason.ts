import { annotationsOf } from '../check/objects.js';
import { IGNORE_ANNOTATION, IGNORE_REASON_ANNOTATION } from '../check/ignore.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'ignore-without-reason',
  severity: 'warning',
  appliesTo: 'workloads',
  section: 'meta',
  kinds: [],
  docs: {
    summary: `Every ${IGNORE_ANNOTATION} annotation comes with a ${IGNORE_REASON_ANNOTATION}.`,
    why:
      'An ignored check is a production risk somebody accepted. Without the reason next to it, the next person cannot ' +
      'tell a deliberate exception from a silenced alarm, and the exception outlives the reason it was made.',
    fix: `Add the annotation ${IGNORE_REASON_ANNOTATION}: "<why this rule does not apply here>", or remove the ignore.`,
  },
  check({ service, report }) {
    // An index loop: the objects list is frozen, and its iterator is not optimized away (issue 18).
    const objects = service.objects;
    for (let i = 0; i < objects.length; i++) {
      const object = objects[i]!;
      const annotations = annotationsOf(object);
      const ignored = annotations[IGNORE_ANNOTATION];
      if (ignored !== undefined && !(annotations[IGNORE_REASON_ANNOTATION] ?? '').trim()) {
        report({
          object,
          path: ['metadata', 'annotations', IGNORE_ANNOTATION],
          message: `${object.ref} ignores "${ignored}" without a ${IGNORE_REASON_ANNOTATION} annotation`,
        });
      }
    }
  },
});
