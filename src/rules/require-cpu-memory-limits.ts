import { asRecord } from '../check/objects.js';
import { formatBytes, parseQuantity } from '../check/quantity.js';
import { defineRule } from './rule.js';

export default defineRule({
  id: 'require-cpu-memory-limits',
  severity: 'error',
  appliesTo: 'workloads',
  section: 'resources',
  kinds: ['workload'],
  docs: {
    summary:
      'Every container sets CPU and memory requests and limits, and the memory limit is not below the request.',
    why:
      'Without requests the scheduler packs model servers onto nodes that cannot hold them; without a memory limit one ' +
      'leaking or oversized batch takes the node down with it (and every other model on it). Model servers grow with ' +
      'batch size and sequence length, so an unbounded container fails under exactly the load you care about.',
    fix:
      'Set resources.requests.cpu, resources.requests.memory, resources.limits.cpu and resources.limits.memory, sized ' +
      'from a load test (mlready loadtest --save records peak memory). Keep limits.memory ≥ requests.memory.',
  },
  check({ service, report }) {
    const workloads = service.workloads;
    for (let w = 0; w < workloads.length; w++) {
      const containers = workloads[w]!.containers;
      for (let c = 0; c < containers.length; c++) {
        const ref = containers[c]!;
        // A patch over the operator's own container, or a pod an operator sizes itself (a KubeAI
        // resourceProfile): what it leaves out comes from the operator.
        if (ref.partial || (ref.template.synthesized && ref.container.resources === undefined)) continue;
        const resources = asRecord(ref.container.resources);
        const requests = asRecord(resources.requests);
        const limits = asRecord(resources.limits);
        // Four plain reads, and a list only for a container that misses something (most do not).
        let missing: string[] | undefined;
        if (isUnset(requests.cpu)) (missing ??= []).push('cpu request');
        if (isUnset(requests.memory)) (missing ??= []).push('memory request');
        if (isUnset(limits.cpu)) (missing ??= []).push('cpu limit');
        if (isUnset(limits.memory)) (missing ??= []).push('memory limit');
        if (missing !== undefined) {
          const at = ref.at(ref.container.resources === undefined ? 'name' : 'resources');
          report({ object: at.object, path: at.path, message: `${ref.label} has no ${joinList(missing)}` });
        }
        // The same text is the same quantity, never a limit below its request: most containers
        // write one memory size twice, and only different texts are parsed.
        if (requests.memory === limits.memory) continue;
        const requestMemory = parseQuantity(requests.memory);
        const limitMemory = parseQuantity(limits.memory);
        if (requestMemory !== undefined && limitMemory !== undefined && limitMemory < requestMemory) {
          const limit = formatBytes(limitMemory);
          const request = formatBytes(requestMemory);
          const where = ref.at('resources', 'limits', 'memory');
          report({
            object: where.object,
            path: where.path,
            message: `${ref.label} has a memory limit (${limit}) below its request (${request})`,
            fix: 'Raise limits.memory to at least requests.memory; Kubernetes rejects the pod otherwise.',
          });
        }
      }
    }
  },
});

function isUnset(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
