import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/check/result.js';
import { modelServersView, runCheck } from '../src/check/run-check.js';
import { sortFindings } from '../src/check/sort-findings.js';
import type { ModelService } from '../src/check/services.js';
import { estimateLoadTime, MEMO_LIMIT, type EstimateMemo } from '../src/estimate/load-time.js';
import { servicesFrom } from './helpers/service.js';
import { referenceSortFindings } from './helpers/r8-engine-reference.js';

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

function shuffled<T>(items: readonly T[], next: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Both sorts of the same findings give the same objects in the same order (stability included). */
function expectSameOrder(findings: readonly Finding[]): void {
  const fast = findings.slice();
  const reference = findings.slice();
  sortFindings(fast);
  referenceSortFindings(reference);
  expect(fast.length).toBe(reference.length);
  for (let i = 0; i < fast.length; i++) if (fast[i] !== reference[i]) expect(i).toBe(-1);
}

function finding(fields: Partial<Finding>): Finding {
  return {
    ruleId: 'r',
    severity: 'error',
    section: 'health',
    message: 'm',
    fix: 'f',
    file: 'a.yaml',
    line: 1,
    column: 1,
    endLine: 1,
    endColumn: 1,
    path: '',
    object: 'Deployment/x',
    service: 's',
    ...fields,
  };
}

/** The findings of every fixture and example directory, as runCheck produced them. */
function fixtureFindings(): Finding[] {
  const dirs = ['examples/llm-chat', 'examples/notebook-to-production'];
  for (const base of ['test/fixtures/rules', 'test/fixtures/upstream'])
    for (const name of readdirSync(base).sort())
      if (statSync(join(base, name)).isDirectory()) dirs.push(join(base, name));
  const out: Finding[] = [];
  for (const dir of dirs) {
    const result = runCheck({ cwd: dir, paths: ['.'], now: new Date('2026-01-01T00:00:00Z') });
    out.push(...result.findings, ...result.suppressed);
  }
  return out;
}

describe('sortFindings: the comparison sort by file, line, column, rule and message, without the comparisons', () => {
  const fixtures = fixtureFindings();

  it('reads the fixtures (the comparison has something to compare)', () => {
    expect(fixtures.length).toBeGreaterThan(500);
    expect(new Set(fixtures.map((f) => f.file)).size).toBeGreaterThan(50);
  });

  it("orders every fixture's findings as the comparison sort does, from any order", () => {
    expectSameOrder(fixtures);
    for (let seed = 1; seed <= 5; seed++) expectSameOrder(shuffled(fixtures, random(seed)));
    expectSameOrder(fixtures.slice().reverse());
  });

  it('keeps findings equal in every field in their input order, and orders equal positions by message', () => {
    const next = random(7);
    const findings: Finding[] = [];
    for (let i = 0; i < 400; i++)
      findings.push(
        finding({
          file: ['a.yaml', 'b.yaml'][Math.floor(next() * 2)]!,
          line: 1 + Math.floor(next() * 3),
          column: 1 + Math.floor(next() * 2),
          ruleId: ['x', 'y'][Math.floor(next() * 2)]!,
          message: ['same', 'other', 'Same', 'sAme'][Math.floor(next() * 4)]!,
        }),
      );
    expectSameOrder(findings);
  });

  it('ranks texts the collator finds equal together, and case and accents as it does', () => {
    const texts = ['a', 'a\u0000', 'A', 'á', 'a\u0301', 'b', 'B', 'file-10', 'file-9', 'Ä', '', 'z', 'ä'];
    for (let seed = 11; seed <= 30; seed++) {
      const next = random(seed);
      const findings: Finding[] = [];
      for (let i = 0; i < 300; i++)
        findings.push(
          finding({
            file: texts[Math.floor(next() * texts.length)]!,
            ruleId: texts[Math.floor(next() * texts.length)]!,
            message: texts[Math.floor(next() * texts.length)]!,
            line: Math.floor(next() * 4),
            column: Math.floor(next() * 4),
          }),
        );
      expectSameOrder(findings);
    }
  });

  it('falls back to the comparison sort where the numbers would not be exact', () => {
    const next = random(3);
    const make = (line: () => number, column: () => number): Finding[] =>
      Array.from({ length: 200 }, (_, i) =>
        finding({
          file: `f${i % 7}`,
          ruleId: `r${i % 5}`,
          message: `m${i % 3}`,
          line: line(),
          column: column(),
        }),
      );
    // Lines far apart, fractions, negatives and Infinity (not what positions hold, but sortable).
    expectSameOrder(
      make(
        () => Math.floor(next() * 2 ** 45),
        () => 1 + Math.floor(next() * 80),
      ),
    );
    expectSameOrder(
      make(
        () => 1 + Math.floor(next() * 9),
        () => Math.floor(next() * 2 ** 40),
      ),
    );
    expectSameOrder(
      make(
        () => next() * 10,
        () => 1,
      ),
    );
    expectSameOrder(
      make(
        () => Math.floor(next() * 10) - 5,
        () => 1,
      ),
    );
    expectSameOrder(
      make(
        () => (next() < 0.1 ? Infinity : Math.floor(next() * 10)),
        () => 1,
      ),
    );
    expectSameOrder([]);
    expectSameOrder([finding({})]);
  });
});

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
