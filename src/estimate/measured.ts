import { asString, labelsOf } from '../check/objects.js';
import type { ContainerRef } from '../workloads/model.js';
import type { EstimateContext, LoadTime } from './load-time.js';

const DAY_MS = 24 * 3600 * 1000;

/** "2m10s", "0.4s": measurements under 10 s keep a decimal. */
export function formatMeasured(ms: number): string {
  const s = ms / 1000;
  if (s < 10) return `${Math.round(s * 10) / 10}s`;
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  const rest = whole % 60;
  return `${m > 0 ? `${m}m` : ''}${rest > 0 || m === 0 ? `${rest}s` : ''}`;
}

/** measuredLoadTime's answer without deploy records, shared (frozen: callers only read it). */
const NOTHING_MEASURED: { load?: Omit<LoadTime, 'notes'>; notes: readonly string[] } = Object.freeze({
  notes: Object.freeze([]),
});

/**
 * The newest deploy record for the same workload, model version and image, no older than
 * maxAgeDays, that measured a ready pod; with a note for each newer record that was passed over.
 */
export function measuredLoadTime(
  context: EstimateContext,
  ref: ContainerRef | undefined,
): { load?: Omit<LoadTime, 'notes'>; notes: readonly string[] } {
  const { service, evidence, now } = context;
  // Most services have no deploy record: nothing to compare, so nothing to read (nor to allocate).
  if (!ref || evidence.deploys.length === 0) return NOTHING_MEASURED;
  const notes: string[] = [];
  const workload = ref.workload;
  const version =
    service.manifest?.manifest.spec.model.version ??
    ref.template.labels['mlready.dev/model-version'] ??
    labelsOf(workload)['mlready.dev/model-version'];
  const image = service.manifest?.manifest.spec.serving.image ?? asString(ref.container.image);
  const candidates = evidence.deploys
    .flatMap((l) => (l.record ? [{ file: l.file, record: l.record }] : []))
    .filter(({ record }) => record.deployment === workload.name)
    .filter(({ record }) => !workload.namespace || record.namespace === workload.namespace)
    .sort((a, b) => Date.parse(b.record.appliedAt) - Date.parse(a.record.appliedAt));
  for (const { file, record } of candidates) {
    const problems: string[] = [];
    if (record.model.version !== undefined && version !== undefined && record.model.version !== version)
      problems.push(`model version ${record.model.version}, not ${version}`);
    if (record.image !== undefined && image !== undefined && record.image !== image)
      problems.push(`image ${record.image}, not ${image}`);
    const ageDays = (now.getTime() - Date.parse(record.appliedAt)) / DAY_MS;
    if (ageDays > evidence.maxAgeDays)
      problems.push(`${Math.floor(ageDays)} days old (limit ${evidence.maxAgeDays})`);
    const times = (record.rollout?.pods ?? [])
      .filter((p) => p.ready)
      .map((p) => p.startToReadyMs ?? p.createdToReadyMs)
      .filter((ms): ms is number => typeof ms === 'number');
    if (times.length === 0) problems.push('no pod became ready');
    if (problems.length > 0) {
      notes.push(`${file} ignored: ${problems.join('; ')}`);
      continue;
    }
    const ms = Math.max(...times);
    const release =
      record.revision !== undefined ? `release ${record.revision}` : `release ${record.templateHash}`;
    const text = `measured ${formatMeasured(ms)} at ${release}`;
    return {
      load: {
        seconds: ms / 1000,
        beforeStartSeconds: 0,
        confidence: 'measured',
        arithmetic: `${text} (slowest of ${times.length} pod${times.length === 1 ? '' : 's'}, container start → ready, ${file})`,
        source: text,
      },
      notes,
    };
  }
  return { notes };
}
