import { ANY_WORKLOAD, type Rule } from '../rules/rule.js';
import type { ModelService } from './services.js';

/**
 * Which rules read which kinds (by their positions in a run's rule list), made once per run. A rule
 * counts toward its section's score for a service that holds one of its kinds even when it reports
 * nothing; asking every rule's kinds of every service through `ofKind` was ~100 000 calls per large
 * run (a rest-argument array each), where one pass over a service's few objects marks them all.
 */
export class KindReaders {
  /** Rules that see the whole service, by the kinds they read. */
  private readonly all = new Map<string, number[]>();
  /** Rules that see the model-servers view, by the kinds they read. */
  private readonly model = new Map<string, number[]>();
  private readonly anyWorkloadAll: number[] = [];
  private readonly anyWorkloadModel: number[] = [];

  constructor(rules: readonly Pick<Rule, 'kinds' | 'appliesTo'>[]) {
    for (let i = 0; i < rules.length; i++) {
      const rule = rules[i]!;
      const modelServersOnly = rule.appliesTo === 'model-servers';
      for (const kind of rule.kinds) {
        if (kind === ANY_WORKLOAD) {
          const list = modelServersOnly ? this.anyWorkloadModel : this.anyWorkloadAll;
          if (!list.includes(i)) list.push(i);
          continue;
        }
        const byKind = modelServersOnly ? this.model : this.all;
        const list = byKind.get(kind);
        if (!list) byKind.set(kind, [i]);
        else if (!list.includes(i)) list.push(i);
      }
    }
  }

  /**
   * Sets `flags[offset + i]` for every rule `i` that reads a kind its view of the service holds
   * (the service itself, or `modelView` for rules that apply to model servers: none without one).
   */
  mark(flags: Uint8Array, offset: number, service: ModelService, modelView: ModelService | undefined): void {
    markIn(flags, offset, service, this.all, this.anyWorkloadAll);
    if (modelView) markIn(flags, offset, modelView, this.model, this.anyWorkloadModel);
  }
}

function markIn(
  flags: Uint8Array,
  offset: number,
  view: ModelService,
  byKind: ReadonlyMap<string, readonly number[]>,
  anyWorkload: readonly number[],
): void {
  if (view.workloads.length > 0)
    for (let j = 0; j < anyWorkload.length; j++) flags[offset + anyWorkload[j]!] = 1;
  const objects = view.objects;
  for (let i = 0; i < objects.length; i++) {
    const readers = byKind.get(objects[i]!.type);
    if (readers !== undefined) for (let j = 0; j < readers.length; j++) flags[offset + readers[j]!] = 1;
  }
}
