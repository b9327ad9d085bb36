import type { EventObservation, PodObservation } from './rollout-status.js';
import type { PodTiming } from './record.js';

/** The kubelet's "Successfully pulled image "x" in 1.234s (…)" and "already present on machine". */
const PULLED = /\bin ((?:\d+(?:\.\d+)?(?:ms|µs|us|ns|h|m|s))+)/;

/** A Go duration ("1m2.5s", "345ms", "1.2s") in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  const units: Record<string, number> = {
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
    µs: 0.001,
    us: 0.001,
    ns: 1e-6,
  };
  let total = 0;
  let matched = '';
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|µs|us|ns)/g)) {
    total += Number(m[1]) * units[m[2]!]!;
    matched += m[0];
  }
  return matched === text && matched !== '' ? Math.round(total) : undefined;
}

export function pullMsOf(message: string): number | undefined {
  if (/already present on machine/.test(message)) return 0;
  const m = PULLED.exec(message);
  return m ? parseGoDuration(m[1]!) : undefined;
}

interface Seen {
  templateHash?: string | undefined;
  createdAt: number;
  node?: string | undefined;
  scheduledAt?: number;
  runningAt?: number;
  readyAt?: number;
}

/**
 * Measures each new pod of a rollout from a watch of the pods started before the new template is
 * applied: when it appeared, was bound to a node, had its container running, and became Ready —
 * at the moment the watch delivered each change (milliseconds after the API server stored it),
 * because the API's own timestamps are whole seconds. The image pull comes from the kubelet's
 * Pulled event, which states it.
 */
export class PodTimingTracker {
  private readonly seen = new Map<string, Seen>();

  /** @param since when the rollout began (ms): pods created before it are not this rollout's. */
  constructor(private readonly since: number) {}

  podNames(): Set<string> {
    return new Set(this.seen.keys());
  }

  observe(pods: readonly (PodObservation & { templateHash?: string | undefined })[], now: number): void {
    for (const pod of pods) {
      // Creation timestamps are whole seconds: a pod of this rollout may show up to 1 s "early".
      if (pod.createdAt > 0 && pod.createdAt < this.since - 1000) continue;
      let s = this.seen.get(pod.name);
      if (!s) {
        // The creation timestamp is truncated to the second: trust our own first sight when it
        // falls within that second, else (a pod older than the watch) the timestamp.
        const created = pod.createdAt > 0 && now - pod.createdAt >= 1000 ? pod.createdAt : now;
        s = { createdAt: created, templateHash: pod.templateHash };
        this.seen.set(pod.name, s);
      }
      if (pod.node && s.scheduledAt === undefined) {
        s.scheduledAt = now;
        s.node = pod.node;
      }
      if (s.runningAt === undefined && pod.containers.some((c) => c.runningSince !== undefined))
        s.runningAt = now;
      if (pod.ready && s.readyAt === undefined) s.readyAt = now;
    }
  }

  /** The measured pods (of the ReplicaSet with `templateHash`, when given). */
  timings(events: readonly EventObservation[], templateHash?: string): PodTiming[] {
    const seen = [...this.seen].filter(
      ([, s]) =>
        templateHash === undefined || s.templateHash === undefined || s.templateHash === templateHash,
    );
    return seen.map(([pod, s]) => {
      const pulled = events.find((e) => e.object === pod && e.reason === 'Pulled');
      const ms = (from: number | undefined, to: number | undefined) =>
        from !== undefined && to !== undefined ? Math.max(0, to - from) : undefined;
      return {
        pod,
        node: s.node,
        ready: s.readyAt !== undefined,
        createdToReadyMs: ms(s.createdAt, s.readyAt),
        schedulingMs: ms(s.createdAt, s.scheduledAt),
        imagePullMs: pulled ? pullMsOf(pulled.message) : undefined,
        startToReadyMs: ms(s.runningAt, s.readyAt),
      };
    });
  }
}
