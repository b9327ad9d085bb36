import { describe, expect, it } from 'vitest';
import { formatBytes, isQuantity, parseQuantity } from '../src/check/quantity.js';
import {
  REFERENCE_SCHEMA_QUANTITY,
  referenceFormatBytes,
  referenceParseQuantity,
} from './helpers/r6-rules-a-reference.js';

/** Every string of up to `max` characters over the alphabet. */
function* strings(alphabet: string, max: number): Generator<string> {
  yield '';
  let level = [''];
  for (let length = 1; length <= max; length++) {
    const next: string[] = [];
    for (const prefix of level) for (const c of alphabet) next.push(prefix + c);
    yield* next;
    level = next;
  }
}

function same(text: unknown): void {
  const expected = referenceParseQuantity(text);
  const got = parseQuantity(text);
  if (!Object.is(got, expected)) expect({ text, got }).toEqual({ text, got: expected });
}

describe('the hand-written quantity scanner (issue 18, round 6)', () => {
  it('parses every short string exactly as the regular expression did', () => {
    let quantities = 0;
    for (const text of strings('01.+-eEiKMmkGn u', 4)) {
      same(text);
      const trimmed = text.trim();
      const expected = REFERENCE_SCHEMA_QUANTITY.test(trimmed);
      if (isQuantity(trimmed) !== expected)
        expect({ trimmed, is: !expected }).toEqual({ trimmed, is: expected });
      if (isQuantity(trimmed)) quantities++;
    }
    // The alphabet reaches every branch: plain numbers, fractions, suffixes and exponents.
    expect(quantities).toBeGreaterThan(1000);
  });

  it('agrees on real and odd quantities, numbers and non-strings', () => {
    const values: unknown[] = [
      '500m',
      '2',
      '16Gi',
      '1e3',
      '1E3',
      '1E',
      '1Ei',
      '1e',
      '1.5Gi',
      '.5',
      '5.',
      '+1',
      '-2Mi',
      ' 4Gi ',
      '4 gigs',
      '1e-3',
      '1e+308',
      '0e999',
      '1e400',
      '12345678901234567890Ki',
      '0x10',
      '1_000',
      '１',
      '٣',
      '',
      ' ',
      '.',
      '+',
      '-.',
      '1..2',
      '1.2.3',
      'Gi',
      '2Gi\n',
      '\t3m',
      7,
      0.5,
      -1,
      NaN,
      Infinity,
      null,
      undefined,
      true,
      {},
      [],
    ];
    for (const value of values) same(value);
    expect(parseQuantity('16Gi')).toBe(16 * 2 ** 30);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('4 gigs')).toBeUndefined();
  });

  it('parses random quantity-like strings as before', () => {
    // A fixed linear congruential sequence: the same strings every run.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    const alphabet = '0123456789.+-eEiKMGTPEmnuk ';
    for (let n = 0; n < 20000; n++) {
      let text = '';
      const length = next() % 9;
      for (let i = 0; i < length; i++) text += alphabet[next() % alphabet.length];
      same(text);
    }
  });

  it('formats bytes as before', () => {
    for (const bytes of [0, 1, 1023, 1024, 1536, 2 ** 20, 3.3 * 2 ** 30, 2 ** 40, 5 * 2 ** 50, -5])
      expect(formatBytes(bytes)).toBe(referenceFormatBytes(bytes));
  });
});
