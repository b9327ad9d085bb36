import { writeFileSync } from 'node:fs';

/** The same seeded PRNG the load generator uses, so generated data is reproducible. */
import { seeded as rng } from '../../src/loadtest/payloads.js';

export { rng };

export function normal(random: () => number, mean = 0, sd = 1): number {
  const u = Math.max(random(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

export interface Generated {
  amount: number;
  age: number;
  country: string;
  score: number;
}

/** Rows of a fraud-like dataset; `shift` moves amount up and adds a new country. */
export function generateRows(n: number, seed: number, shift = false): Generated[] {
  const random = rng(seed);
  const countries = shift ? ['de', 'fr', 'us', 'br', 'br', 'br'] : ['de', 'fr', 'us', 'uk'];
  return Array.from({ length: n }, () => ({
    amount: Math.round(Math.exp(normal(random, shift ? 3.8 : 3, 1)) * 100) / 100,
    age: 18 + Math.floor(random() * 62),
    country: countries[Math.floor(random() * countries.length)]!,
    score: Math.round(random() * 1000) / 1000,
  }));
}

export function writeCsv(file: string, rows: readonly Record<string, unknown>[]): void {
  const columns = Object.keys(rows[0] ?? {});
  writeFileSync(
    file,
    [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].join('\n') + '\n',
  );
}

function cell(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === undefined || value === null ? '' : JSON.stringify(value);
}
