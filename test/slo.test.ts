import { describe, expect, it } from 'vitest';
import { parseSlo } from '../src/loadtest/slo.js';

describe('SLO grammar', () => {
  it.each([
    ['p95<100ms', { metric: { series: 'latency', stat: 'p95' }, op: '<', value: 100 }],
    ['p99 <= 2s', { metric: { series: 'latency', stat: 'p99' }, op: '<=', value: 2000 }],
    ['p99.9<1500us', { metric: { series: 'latency', stat: 'p99.9' }, op: '<', value: 1.5 }],
    ['error_rate<1%', { metric: { scalar: 'error_rate' }, op: '<', value: 0.01 }],
    ['error_rate<0.005', { metric: { scalar: 'error_rate' }, op: '<', value: 0.005 }],
    ['ttft_p95<500ms', { metric: { series: 'ttft', stat: 'p95' }, op: '<', value: 500 }],
    ['tpot_p99<60', { metric: { series: 'tpot', stat: 'p99' }, op: '<', value: 60 }],
    ['itl_max<250ms', { metric: { series: 'itl', stat: 'max' }, op: '<', value: 250 }],
    ['rps>=50', { metric: { scalar: 'rps' }, op: '>=', value: 50 }],
    ['goodput>10', { metric: { scalar: 'goodput' }, op: '>', value: 10 }],
  ])('%s', (text, expected) => {
    expect(parseSlo(text)).toEqual([{ source: text.trim(), ...expected }]);
  });

  it('reads a list', () => {
    expect(parseSlo('p95<100ms,error_rate<1%,ttft_p95<500ms').map((t) => t.source)).toEqual([
      'p95<100ms',
      'error_rate<1%',
      'ttft_p95<500ms',
    ]);
  });

  it.each([
    ['p95<100ms,eror_rate<1%', 11, 'unknown metric "eror_rate"'],
    ['p95<100ms,p99', 11, 'missing an operator'],
    ['p95<100%', 8, 'a latency needs ms, s or us, not %'],
    ['p95<100ms,,p99<1s', 11, 'empty term'],
    ['p95<abc', 5, 'expected <metric><op><number>[unit]'],
    ['rps>5ms', 6, 'rps takes no unit'],
  ])('%s: points at character %i', (text, column, message) => {
    expect(() => parseSlo(text)).toThrow(`invalid SLO at character ${column}: ${message}`);
    try {
      parseSlo(text);
    } catch (error) {
      const lines = (error as Error).message.split('\n');
      expect(lines[2]!.indexOf('^') - 2).toBe(column - 1);
    }
  });
});
