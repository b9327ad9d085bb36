// behindService as it was in src/rules/support/serving.ts on main (aac1549), before issue 18's
// eighth round (kept per template in a WeakMap): the oracle graceful-shutdown of this folder uses it.
import { getPath } from '../../../src/check/objects.js';
import type { ModelService } from '../../../src/check/services.js';
import type { PodTemplate } from '../../../src/workloads/model.js';
import { selects } from '../../../src/workloads/selectors.js';

/** Is the pod template behind a Service (or an InferencePool) of the service? */
export function behindService(service: ModelService, template: PodTemplate): boolean {
  const known = behindByTemplate.get(template);
  if (known !== undefined && known.service === service) return known.behind;
  let behind = false;
  const fronts = service.ofKind('Service', 'InferencePool', 'InferencePoolAlpha');
  for (let i = 0; i < fronts.length && !behind; i++)
    behind = selects(getPath(fronts[i]!.raw, SPEC_SELECTOR), template.labels);
  behindByTemplate.set(template, { service, behind });
  return behind;
}

const behindByTemplate = new WeakMap<
  PodTemplate,
  { readonly service: ModelService; readonly behind: boolean }
>();
const SPEC_SELECTOR = ['spec', 'selector'];
