import { describe, expect, it } from 'vitest';
import { modelServersView } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { estimateLoadTime, MEMO_LIMIT, type EstimateMemo } from '../src/estimate/load-time.js';
import { servicesFrom } from './helpers/service.js';

/** A service of `count` vLLM Deployments, each serving a model of another size (so each has its own estimate). */
function sizedService(count: number): ModelService {
  const docs: string[] = [];
  for (let i = 0; i < count; i++)
    docs.push(`apiVersion: apps/v1
kind: Deployment
metadata: { name: llm-${i}, labels: { app.kubernetes.io/name: llm } }
spec:
  selector: { matchLabels: { app: llm-${i} } }
  template:
    metadata: { labels: { app: llm-${i}, app.kubernetes.io/name: llm } }
    spec:
      containers:
        - name: vllm
          image: vllm/vllm-openai:v0.6.3
          args: ["--model", "meta-llama/Llama-3.1-${i + 1}B-Instruct"]
`);
  return servicesFrom(docs.join('---\n')).find((s) => s.servingContainers().length === count)!;
}

describe("estimateLoadTime: answers kept on runCheck's evidence", () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const memoEvidence = (): { deploys: []; maxAgeDays: number } & EstimateMemo => ({
    estimates: undefined,
    estimated: 0,
    deploys: [],
    maxAgeDays: 30,
  });

  it('gives every container, view and time of a service the estimate evidence without room gives, and the same answer when asked again', () => {
    for (const count of [1, 2, 5, MEMO_LIMIT, MEMO_LIMIT + 9]) {
      const service = sizedService(count);
      const views = [service, modelServersView(service)!];
      const refs = service.servingContainers();
      expect(refs.length).toBe(count);
      const evidence = memoEvidence();
      const times = [now, new Date('2026-02-01T00:00:00Z')];
      const first = new Map<string, unknown>();
      for (let round = 0; round < 2; round++)
        for (const view of views)
          for (const time of times)
            for (let i = refs.length - 1; i >= 0; i--) {
              const load = estimateLoadTime({ service: view, evidence, now: time }, refs[i]);
              const fresh = estimateLoadTime(
                { service: view, evidence: { deploys: [], maxAgeDays: 30 }, now: time },
                refs[i],
              );
              expect(load).toEqual(fresh);
              const key = `${views.indexOf(view)} ${time.getTime()} ${i}`;
              if (round === 0) first.set(key, load);
              else expect(load).toBe(first.get(key));
            }
      expect(evidence.estimated).toBe(Math.min(MEMO_LIMIT, count * new Set(views).size * times.length));
      // Each container has its own size, hence its own estimate.
      expect(new Set(refs.map((r) => estimateLoadTime({ service, evidence, now }, r).seconds)).size).toBe(
        count,
      );
    }
  });
});
