import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { asArray } from '../src/check/objects.js';
import { computeReadiness } from '../src/check/readiness.js';
import type { Finding } from '../src/check/result.js';
import { runCheck } from '../src/check/run-check.js';
import type { ModelService } from '../src/check/services.js';
import { trafficShares } from '../src/check/traffic.js';
import { modelSizeOf } from '../src/estimate/model-size.js';
import { servicesFrom } from './helpers/service.js';
import {
  referenceModelSize,
  referenceReadiness,
  referenceReplicaShares,
} from './helpers/r6-engine-reference.js';

/** Every YAML file under a directory. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out;
}

const FIXTURES = ['test/fixtures/upstream', 'test/fixtures/rules', 'examples'];

/** The model services of every fixture file that groups without errors. */
function fixtureServices(): ModelService[] {
  const services: ModelService[] = [];
  for (const dir of FIXTURES)
    for (const file of yamlFiles(dir)) {
      try {
        services.push(...servicesFrom(readFileSync(file, 'utf8'), file));
      } catch {
        // Templates, lists and invalid inputs: grouped by the check engine's own tests.
      }
    }
  return services;
}

/** A small deterministic generator (mulberry32), so a failure names its seed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('computeReadiness by rule position (the counted flags runCheck passes)', () => {
  const result = runCheck({ cwd: process.cwd(), paths: FIXTURES, now: new Date('2026-01-01T00:00:00Z') });
  const byService = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = byService.get(f.service);
    if (list) list.push(f);
    else byService.set(f.service, [f]);
  }

  it('reads the fixtures (the comparison has something to compare)', () => {
    expect(result.rules.length).toBeGreaterThan(40);
    expect(byService.size).toBeGreaterThan(50);
  });

  it('scores as the Set of ids did, for every fixture service and many subsets of counted rules', () => {
    const next = random(18);
    let compared = 0;
    for (const [name, findings] of byService) {
      for (let trial = 0; trial < 6; trial++) {
        // Some trials count every rule, others a random part of them (sections left empty included).
        const keep = trial === 0 ? 1 : next();
        const ids = new Set(result.rules.filter(() => next() < keep).map((r) => r.id));
        const offset = 1 + Math.floor(next() * 5) * result.rules.length;
        const flags = new Uint8Array(offset + result.rules.length + 3).fill(1);
        result.rules.forEach((r, i) => (flags[offset + i] = ids.has(r.id) ? 1 : 0));
        const notChecked = trial % 3 === 2 ? [`Unread/${name}`] : undefined;
        const expected = referenceReadiness(findings, result.rules, { counted: ids, notChecked });
        expect(computeReadiness(findings, result.rules, { counted: ids, notChecked })).toEqual(expected);
        expect(
          computeReadiness(findings, result.rules, {
            countedFlags: flags,
            countedOffset: offset,
            notChecked,
          }),
        ).toEqual(expected);
        compared++;
      }
      expect(computeReadiness(findings, result.rules)).toEqual(referenceReadiness(findings, result.rules));
    }
    expect(compared).toBeGreaterThan(300);
  });
});

describe('modelSizeOf with one pattern for every family', () => {
  it('finds what a test per family and matchAll found, on the fixtures and on hand-picked names', () => {
    const references = new Set<string>([
      'mistralai/Mixtral-8x22B-Instruct-v0.1',
      'mistralai/mixtral-8x7b',
      'distilbert-base-uncased',
      'google-bert/bert-large-cased',
      'openai-community/gpt2',
      'gpt2',
      'gpt2-xl',
      'my-gpt2-model',
      'google/t5-small',
      'microsoft/Phi-3.5-mini-instruct',
      'microsoft/phi-3-small-8k',
      'EleutherAI/gpt-j-6b',
      'bigscience/bloom',
      'bigscience/bloom-560m',
      'tiiuae/falcon-180B',
      'tiiuae/falcon180',
      'Qwen/Qwen2.5-1.5B-Instruct',
      'meta-llama/Llama-3.1-70B',
      'Qwen/Qwen3-30B-A3B',
      'HuggingFaceTB/SmolLM2-135M',
      'v1.5',
      'model-7b-8x2b',
      'pvc://models/llama-7b',
      'gs://models/model-2/1.0.2',
      '',
    ]);
    for (const service of fixtureServices())
      for (const c of service.servingContainers())
        for (const value of [...Object.values(c.container), ...asArray(c.container.args)] as unknown[])
          if (typeof value === 'string') references.add(value);
    expect(references.size).toBeGreaterThan(40);
    for (const reference of references) expect(modelSizeOf(reference)).toEqual(referenceModelSize(reference));
    // Twice, in another order: the shared global pattern keeps no state from one call to the next.
    for (const reference of [...references].reverse())
      expect(modelSizeOf(reference)).toEqual(referenceModelSize(reference));
  });
});

describe('trafficShares by replicas in one pass', () => {
  const twoVersions = `
apiVersion: v1
kind: Service
metadata: { name: m, labels: { app: m } }
spec: { selector: { app: m } }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: m-a, labels: { app: m } }
spec:
  replicas: 3
  selector: { matchLabels: { app: m } }
  template:
    metadata: { labels: { app: m, version: v1 } }
    spec: { containers: [{ name: s, image: vllm/vllm-openai:v0.6.0 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: m-b, labels: { app: m } }
spec:
  replicas: 1
  selector: { matchLabels: { app: m } }
  template:
    metadata: { labels: { app: m, version: v2 } }
    spec: { containers: [{ name: s, image: vllm/vllm-openai:v0.6.0 }] }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: m-c, labels: { app: m } }
spec:
  replicas: 2
  selector: { matchLabels: { app: m } }
  template:
    metadata: { labels: { app: m, version: v1 } }
    spec: { containers: [{ name: s, image: vllm/vllm-openai:v0.6.0 }] }
`;

  it('splits as the filter/map/Map version did, on the fixtures and on three workloads of two versions', () => {
    const services = [...fixtureServices(), ...servicesFrom(twoVersions)];
    let compared = 0;
    for (const service of services) {
      const shares = trafficShares(service).filter((s) => !s.mirror);
      if (shares.length === 0 || shares.some((s) => s.source !== 'replicas')) continue;
      expect(shares).toEqual(referenceReplicaShares(service));
      compared++;
    }
    expect(compared).toBeGreaterThan(20);
    const m = servicesFrom(twoVersions).find((s) => s.name === 'm')!;
    expect(trafficShares(m)).toEqual([
      { version: 'v1', share: 83.3, source: 'replicas' },
      { version: 'v2', share: 16.7, source: 'replicas' },
    ]);
  });
});
