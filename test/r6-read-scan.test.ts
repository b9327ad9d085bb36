import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanYaml } from '../src/manifest/scan-yaml.js';
import { MAX_NESTING_DEPTH, parseComposed, parseYaml } from '../src/manifest/yaml.js';
import { paths } from './helpers/yaml-corpus.js';

/**
 * Round 6 of issue 18: duplicate keys are found by key id (not by a property lookup), key lookups
 * of the position index compare key strings, and a range's end line is found from its start line.
 * The yaml package stays the reference: scanYaml gives up or reads its values, and parseYaml
 * answers every path (and paths past what exists) with its positions.
 */
function expectAsReference(text: string): boolean {
  const scanned = scanYaml(text, undefined, MAX_NESTING_DEPTH);
  const composed = parseComposed(text, 'f.yaml');
  const parsed = parseYaml(text, 'f.yaml');
  expect(parsed.problems, text).toEqual(composed.problems);
  expect(
    parsed.documents.map((d) => [d.index, d.value]),
    text,
  ).toStrictEqual(composed.documents.map((d) => [d.index, d.value]));
  if (scanned) {
    expect(composed.problems, text).toEqual([]);
    const read = scanned.documents.filter((d) => d.value !== null).map((d) => [d.index, d.value]);
    expect(read, text).toStrictEqual(composed.documents.map((d) => [d.index, d.value]));
  }
  composed.documents.forEach((reference, i) => {
    const document = parsed.documents[i]!;
    for (const found of paths(reference.value).slice(0, 400)) {
      for (const path of [found, [...found, 'absent'], [...found, 5]]) {
        for (const key of [false, true]) {
          expect(document.positionOf(path, { key }), `${text} ${path.join('.')} ${key}`).toEqual(
            reference.positionOf(path, { key }),
          );
        }
      }
    }
  });
  return scanned !== undefined;
}

describe('scanYaml round 6: duplicate keys by key id', () => {
  it.each([
    ['a one-character key at the start and after a line break', 'a: 1\na: 2\n'],
    ['a one-character key in a flow mapping', 'm: {a: 1, a: 2}\n'],
    ['a duplicate after other keys', 'a: 1\nb: 2\nc: {x: 1}\na: 3\n'],
    ['a duplicate after a nested mapping with the same key', 'a:\n  a: 1\n  b: 2\nb: 1\na: 2\n'],
    ['a duplicate in a mapping of a sequence', 'items:\n  - a: 1\n    b: 2\n    a: 3\n'],
    ['a quoted key, then the same key plain', '"a": 1\na: 2\n'],
    ['a plain key, then the same key quoted', "a: 1\n'a': 2\n"],
    ['a flow mapping: quoted, then plain', 'm: {"a": 1, a: 2}\n'],
    ['a flow mapping: plain, then quoted', "m: {a: 1, 'a': 2}\n"],
    ['a duplicate behind a deeper mapping at the next depth', 'x: {a: {b: 1}, c: {b: 2}, a: 3}\n'],
  ])('gives up on %s (the yaml package refuses it)', (_name, text) => {
    expect(scanYaml(text, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    expect(parseComposed(text, 'f.yaml').problems[0]?.message).toMatch(/unique/);
    expectAsReference(text);
  });

  it.each([
    ['the same keys in sibling mappings', 'a: {x: 1, y: 2}\nb: {x: 1, y: 2}\n'],
    [
      'the same keys in consecutive sequence items',
      'l:\n  - {a: 1, b: 2}\n  - {a: 1, b: 2}\n  - a: 1\n    b: 2\n',
    ],
    ['the same keys at every depth', 'a:\n  a:\n    a: {a: a}\n  b: {a: 1}\nb: {a: {a: 1}}\n'],
    ['the same keys in later documents', 'a: 1\nb: 2\n---\na: 1\nb: 2\n---\nb: {a: 1}\na: 2\n'],
    ['one-character keys after other characters', 'x: {a: 1, b: 2}\ny:\n  a: 1\n  b: 2\n'],
  ])('reads %s itself, as the yaml package does', (_name, text) => {
    expect(expectAsReference(text)).toBe(true);
  });

  it('gives up on a quoted __proto__ key, which a property store would take for the prototype', () => {
    for (const text of ['a: 1\n"__proto__": {x: 1}\n', "m: {'__proto__': 1, b: 2}\n", '"__proto__": 3\n']) {
      expect(scanYaml(text, undefined, MAX_NESTING_DEPTH), text).toBeUndefined();
      const value = parseYaml(text, 'f.yaml').documents[0]!.value as Record<string, unknown>;
      const holder = (value.m ?? value) as Record<string, unknown>;
      expect(Object.getPrototypeOf(holder), text).toBe(Object.prototype);
      expect(Object.hasOwn(holder, '__proto__'), text).toBe(true);
      expectAsReference(text);
    }
  });

  it('finds duplicates past the key table (more distinct keys than it takes)', () => {
    const lines = Array.from({ length: 1200 }, (_, i) => `k${i}: {k${i}: ${i}, z: 1}`);
    const text = `${lines.join('\n')}\n`;
    expect(expectAsReference(text)).toBe(true);
    // A duplicate among keys the table no longer takes, and one among keys it took.
    expect(scanYaml(`${text}k1100: 1\n`, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    expect(scanYaml(`${text}k3: 1\n`, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    expect(
      scanYaml(`${lines.slice(0, 1100).join('\n')}\nq: {k1: 1, "k1": 2}\n`, undefined, MAX_NESTING_DEPTH),
    ).toBeUndefined();
  });

  it('reads generated mappings with repeated and duplicate keys as the yaml package does', () => {
    const key = fc.constantFrom('a', 'b', 'ab', 'ba', '"a"', "'b'", 'name', 'x.y/z');
    const scalar = fc.constantFrom('1', 'v', '"q"', 'true', 'a b');
    const flowMap = fc
      .array(fc.tuple(key, scalar), { minLength: 1, maxLength: 4 })
      .map((pairs) => `{${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')}}`);
    const value = fc.oneof(scalar, flowMap);
    const block = fc
      .array(fc.tuple(key, value, fc.boolean()), { minLength: 1, maxLength: 5 })
      .map((pairs) => pairs.map(([k, v, nested]) => (nested ? `${k}:\n  ${k}: ${v}` : `${k}: ${v}`)));
    let scanned = 0;
    fc.assert(
      fc.property(fc.array(block, { minLength: 1, maxLength: 3 }), (documents) => {
        const text = `${documents.map((lines) => lines.join('\n')).join('\n---\n')}\n`;
        if (expectAsReference(text)) scanned++;
      }),
      { numRuns: 300, seed: 18_06 },
    );
    // Else the property would hold by giving up on everything.
    expect(scanned).toBeGreaterThan(30);
  });
});

describe('positions of scanned documents, round 6', () => {
  it('answers ranges that end on a later line (blocks, flow collections over lines)', () => {
    const text =
      'a: |\n  x\n  y\nb: [1,\n  2]\nc:\n  d: {e: 1,\n    f: 2}\n  g: 3\nl:\n  - [1,\n    2]\nh: last\n---\ni:\n  - j\n';
    expect(expectAsReference(text)).toBe(true);
    const doc = parseYaml(text, 'f.yaml').documents[0]!;
    expect(doc.positionOf(['a'])).toEqual({ line: 1, column: 4, endLine: 4, endColumn: 1 });
    expect(doc.positionOf(['l', 0])).toEqual({ line: 11, column: 5, endLine: 12, endColumn: 7 });
    expect(doc.positionOf(['h'])).toEqual({ line: 13, column: 4, endLine: 13, endColumn: 8 });
  });
});

describe('scanYaml round 6: the end of the text read from the reused code units', () => {
  // A longer text first leaves spaces, line breaks, indicators and brackets past the end of each
  // shorter one in the working array: a read at the end must stop as at the end of the text.
  const filler = `${'k: [a, {b: c}]   # x\n  - :,{}[]"\' \n'.repeat(400)}`;
  it.each([
    'a: 1',
    'a: 1 ',
    'a: 1 # c',
    'a:',
    'a: ',
    'a: [1, 2]',
    'a: [1, 2',
    'a: [1,',
    'a: {b: c}',
    'a: {b: c',
    'a: {b:',
    'a: {b: c} ',
    "a: 'x'",
    'a: "x" ',
    '- a',
    '- ',
    '-',
    'l:\n  - {a: 1}',
    'a:\n  b: c\n  ',
    '[a, b]',
    '{a: b}',
    'a: b:',
    'a: x #',
  ])('reads %j as the yaml package does after a longer text', (text) => {
    expect(scanYaml(filler, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    const wide = Array.from({ length: 3000 }, (_, k) => `k${k}:   [1, {b: c}]   \n`).join('');
    expect(scanYaml(`a:     \n${wide}`, undefined, MAX_NESTING_DEPTH)).toBeDefined();
    expectAsReference(text);
  });
});
