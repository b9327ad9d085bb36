// The seventh round's engine before its fast paths, kept as the oracle they are compared with
// (test/r7-engine-fast-paths.test.ts). Only the functions that changed.
import { ignoredRules } from '../../src/check/ignore.js';
import type { K8sObject } from '../../src/check/objects.js';
import type { ModelService } from '../../src/check/services.js';
import { displayPath } from '../../src/manifest/schema-errors.js';
import type { YamlPath } from '../../src/manifest/yaml.js';
import { ANY_WORKLOAD, type Rule } from '../../src/rules/rule.js';
import { modelRefsOf, modelRefsOfContainer } from '../../src/workloads/model-refs.js';
import type { ContainerRef, ModelRef } from '../../src/workloads/model.js';

/** run-check.ts's appliesToSomething: does the service hold something the rule reads? */
export function referenceAppliesToSomething(rule: Pick<Rule, 'kinds'>, service: ModelService): boolean {
  const kinds = rule.kinds;
  for (let i = 0; i < kinds.length; i++) {
    const kind = kinds[i]!;
    if (kind === ANY_WORKLOAD ? service.workloads.length > 0 : service.ofKind(kind).length > 0) return true;
  }
  return false;
}

/** What RuleRun.report wrote of a finding's location, per finding. */
export function referenceLocation(
  object: K8sObject,
  path: YamlPath,
): {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  path: string;
  ignored: ReadonlySet<string>;
} {
  const position = object.source.positionOf(path);
  return {
    line: position.line,
    column: position.column,
    endLine: position.endLine,
    endColumn: position.endColumn,
    path: displayPath(path),
    ignored: ignoredRules(object),
  };
}

/** load-time.ts's modelRefsFor before it built one list: the container's own refs, then its workload's. */
export function referenceModelRefsFor(service: ModelService, ref: ContainerRef): ModelRef[] {
  const own = modelRefsOfContainer(ref).filter((m) => m.source !== 'lora');
  const workload = service.workloadOf(ref.workload);
  const fromKind = workload
    ? modelRefsOf(workload).filter(
        (m) => m.source !== 'lora' && (m.container === undefined || m.container === ref),
      )
    : [];
  return [...own, ...fromKind.filter((m) => !own.includes(m))];
}
