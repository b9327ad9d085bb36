import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanYaml } from '../src/manifest/scan-yaml.js';
import { MAX_NESTING_DEPTH, parseComposed, parseYaml } from '../src/manifest/yaml.js';
import { paths, ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/**
 * Round 7 of issue 18: the scan records where each line starts as it passes the line breaks (the
 * positions' line table was a second pass over every text), and the index's arrays are copied into
 * shared blocks. Every line start must be there, in order, or every later position is off.
 */
function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function expectLineStarts(text: string): boolean {
  const scanned = scanYaml(text, undefined, MAX_NESTING_DEPTH);
  if (!scanned) return false;
  expect([...scanned.index.lineStarts], text).toEqual(lineStartsOf(text));
  return true;
}

describe('scanYaml round 7: line starts from the scan', () => {
  it.each([
    ['blank lines', 'a: 1\n\n\nb: 2\n'],
    ['blank lines of spaces', 'a: 1\n   \nb:\n  c: 2\n  \n'],
    ['comment lines', '# head\na: 1\n  # inside\nb: 2\n# tail\n'],
    ['a comment at the end without a line break', 'a: 1\n# tail'],
    ['comments after values', 'a: 1 # one\nb: [x] # two\n'],
    ['a separator with a comment', 'a: 1\n--- # c\nb: 1\n---\n'],
    ['literal block scalars with empty lines', 'a: |\n  x\n\n  y\n\n\nb: |+\n  k\n\n\nc: 1\n'],
    ['a folded block scalar', 'a: >-\n  one\n  two\n\n  three\nb: 1\n'],
    ['flow collections over lines', 'a: [1,\n  2, {b: c,\n    d: e}]\nf: {g: [h,\n  # c\n  i]}\n'],
    ['no final line break', 'a: 1\nb: 2'],
    ['sequences and nested mappings', 'items:\n  - name: a\n\n    port: 80\n  - - x\n    - y\n'],
    ['an empty text', ''],
    ['line breaks only', '\n\n\n'],
  ])('records every line start: %s', (_name, text) => {
    expect(expectLineStarts(text)).toBe(true);
  });

  it('records every line start of every YAML file of the repository it reads', () => {
    const files = [
      ...yamlFiles(join(ROOT, 'test/fixtures')),
      ...yamlFiles(join(ROOT, 'examples')),
      ...yamlFiles(join(ROOT, 'test/golden')),
      ...yamlFiles(join(ROOT, 'templates')),
    ];
    let read = 0;
    for (const file of files) if (expectLineStarts(readFileSync(file, 'utf8'))) read++;
    expect(read / files.length).toBeGreaterThan(0.6);
  });

  it('records every line start of generated texts with blank lines, comments and flow breaks', () => {
    const line = fc.constantFrom(
      'a: 1',
      'b: [x,',
      '  y]',
      'c: {d: e,',
      '  f: g}',
      '',
      '   ',
      '# c',
      '  # c',
      'h: |',
      '  text',
      'i: >-',
      '  folded',
      '---',
      '--- # c',
      'j:',
      '  - k',
      '  - l: m',
      'n: o # c',
    );
    let read = 0;
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.boolean(), (lines, finalBreak) => {
        const text = lines.join('\n') + (finalBreak ? '\n' : '');
        if (expectLineStarts(text)) read++;
      }),
      { numRuns: 600 },
    );
    expect(read).toBeGreaterThan(100);
  });

  it('keeps each text’s index (positions and line starts) when many later texts fill the shared blocks', () => {
    const first = 'a:\n  b: 1\n\n  c: [x,\n    y]\n';
    const parsed = parseYaml(first, 'f.yaml');
    const reference = parseComposed(first, 'f.yaml');
    // Enough later texts to fill several blocks (long lines: within the room a scan starts with;
    // short ones: past it, in an array of their own), texts given up on, and one larger than a block.
    for (let i = 0; i < 300; i++) {
      const long = Array.from({ length: 100 }, (_, j) => `key-number-${j}: value-number-${i}`).join('\n');
      const short = Array.from({ length: 100 }, (_, j) => `k${j}: ${i}`).join('\n');
      expect(parseYaml(`${long}\n`, 'g.yaml').documents).toHaveLength(1);
      expect(parseYaml(`${short}\n`, 'g.yaml').documents).toHaveLength(1);
      expect(scanYaml(`${long}\nkey-number-0: x\n`, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    }
    parseYaml(`${Array.from({ length: 20000 }, (_, i) => `x${i}: ${i}`).join('\n')}\n`, 'h.yaml');
    for (const path of paths(reference.documents[0]!.value)) {
      for (const key of [false, true]) {
        expect(parsed.documents[0]!.positionOf(path, { key })).toEqual(
          reference.documents[0]!.positionOf(path, { key }),
        );
      }
    }
    expect([...scanYaml(first, undefined, MAX_NESTING_DEPTH)!.index.lineStarts]).toEqual(lineStartsOf(first));
  });
});
