import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanYaml } from '../src/manifest/scan-yaml.js';
import { MAX_NESTING_DEPTH, parseComposed, parseYaml } from '../src/manifest/yaml.js';
import { paths, ROOT, yamlFiles } from './helpers/yaml-corpus.js';

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

interface Tally {
  scanned: number;
  asked: number;
  answered: number;
}

/**
 * scanYaml either gives up, or reads exactly what the yaml package reads: the document count, no
 * problem, deep-equal values, and for every path (every key and value node, and paths past what
 * exists) the range the yaml package's positions give, wherever its own index answers. parseYaml
 * (the index, or the yaml package where the index is not sure) must then answer every path as the
 * yaml package does.
 */
function expectScanExact(text: string, tally?: Tally, file = 'f.yaml'): void {
  const scanned = scanYaml(text, undefined, MAX_NESTING_DEPTH);
  if (!scanned) return;
  if (tally) tally.scanned++;
  const composed = parseComposed(text, file);
  expect(composed.problems, file).toEqual([]);
  expect(scanned.documentCount, file).toBe(composed.documentCount);
  const read = scanned.documents.filter((d) => d.value !== null);
  expect(
    read.map((d) => [d.index, d.value]),
    file,
  ).toStrictEqual(composed.documents.map((d) => [d.index, d.value]));
  const viaParse = parseYaml(text, file);
  read.forEach((document, i) => {
    const reference = composed.documents[i]!;
    const parsed = viaParse.documents[i]!;
    for (const found of paths(document.value).slice(0, 600)) {
      for (const path of [found, [...found, 'absent'], [...found, 10_000]]) {
        for (const key of [false, true]) {
          const want = reference.positionOf(path, { key });
          const at = `${file} ${path.join('.')}${key ? ' (key)' : ''}`;
          if (tally) tally.asked++;
          const range = scanned.index.locate(document.root, path, key);
          if (range) {
            if (tally) tally.answered++;
            const from = lineColumn(text, range[0]);
            const to = lineColumn(text, range[1]);
            expect(
              { line: from.line, column: from.column, endLine: to.line, endColumn: to.column },
              at,
            ).toEqual(want);
          }
          expect(parsed.positionOf(path, { key }), at).toEqual(want);
        }
      }
    }
  });
}

describe('scanYaml, the single-pass reader', () => {
  const files = [
    ...yamlFiles(join(ROOT, 'test/fixtures')),
    ...yamlFiles(join(ROOT, 'examples')),
    ...yamlFiles(join(ROOT, 'test/golden')),
    ...yamlFiles(join(ROOT, 'templates')),
  ];

  it('reads every YAML file of the repository exactly as the yaml package does, or gives up', () => {
    expect(files.length).toBeGreaterThan(150);
    const tally: Tally = { scanned: 0, asked: 0, answered: 0 };
    for (const file of files) expectScanExact(readFileSync(file, 'utf8'), tally, file);
    // Else it buys nothing: most real manifests are read, and most positions come from its index.
    expect(tally.scanned / files.length).toBeGreaterThan(0.6);
    expect(tally.answered / tally.asked).toBeGreaterThan(0.9);
  });

  it.each([
    ['an empty stream', ''],
    ['a comment only', '# c\n'],
    ['a comment before the first separator', '# c\n---\na: 1\n'],
    ['a trailing separator', 'a: 1\n---\n'],
    ['an empty document between separators', 'a: 1\n---\n---\nb: 2\n'],
    ['a separator with a comment', 'a: 1\n--- # c\nb: 1\n'],
    ['numbers of every core form', 'a: [-0, 014, 0o14, 0x1F, +12, 1e3, .5, -.inf, .NaN, 1., 0b1, 12:30]\n'],
    ['booleans and nulls of every case', 'a: [true, True, TRUE, yes, on, null, Null, NULL, ~, tRUE]\n'],
    ['quoted look-alikes', 'a: ["1", \'true\', "null", "", \'\']\n'],
    ['block scalars', 'a: |\n  x\n  y\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\nd: x\n'],
    ['a literal block scalar with empty lines and indentation', 'a: |\n\n  x\n\n    y\n  z\n\n\nb: 1\n'],
    ['a folded block scalar with paragraphs', 'a: >\n  one\n  two\n\n  three\nb: 1\n'],
    ['a block scalar in a list', '- |\n  x\n- >+\n  y\n\n- z\n'],
    ['quoted escapes', "a: \"\\u00e9\\t\\x41\\\"\\\\ \\/\"\nb: 'it''s'\n"],
    ['a sequence at its key’s indentation', 'a:\n- x\n- y: 1\n  z: 2\nb: 3\n'],
    ['nested compact sequences', '- - a\n  - b\n- - c\n'],
    ['empty values', 'a:\nb: 1\nc:\n'],
    [
      'comments everywhere',
      '# head\na: 1 # one\n# between\nb:\n  # inside\n  c: 2\n  # trailing\nd: [1, 2] # x\n',
    ],
    ['flow collections over lines', 'a: [1,\n  2, {b: c,\n    d: e}]\nf: {g: [h, i]}\n'],
    ['plain scalars with indicators inside', 'a: http://x:80/y#z\nb: a#b\nc: -1\nd: x- y\ne: "q" # c\n'],
    ['an anchor', 'a: &x 1\n'],
    ['a multi-line plain scalar', 'a: b\n  c\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a tab', 'a:\t1\n'],
    ['CRLF line ends', 'a: 1\r\n'],
    ['a document end marker', 'a: 1\n...\n'],
  ])('reads %s exactly as the yaml package does, or gives up', (_name, text) => {
    expectScanExact(text);
  });

  it.each([
    ['a plain mapping', 'a: 1\nb: [x, "y"]\n'],
    ['block scalars', 'a: |\n  x\nb: >-\n  y\n'],
    ['documents', 'a: 1\n---\nb: 2\n'],
    ['a sequence of mappings', 'items:\n  - name: a\n    port: 80\n'],
  ])('reads %s itself (a test that could not fail otherwise)', (_name, text) => {
    expect(scanYaml(text, undefined, MAX_NESTING_DEPTH)).toBeDefined();
  });

  it.each([
    ['an anchor', 'a: &x 1\nb: *x\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['a multi-line plain scalar', 'a: b\n  c\n'],
    ['a non-string key', '1: a\n'],
    ['a directive', '%YAML 1.2\n---\na: 1\n'],
    ['invalid YAML', 'a: [1, 2\nb: 3\n'],
    ['too many documents', 'a: 1\n---\nb: 2\n---\nc: 3\n'],
  ])('gives up on %s, leaving it to the reference reader', (_name, text) => {
    expect(scanYaml(text, 2, MAX_NESTING_DEPTH)).toBeUndefined();
  });

  it('gives up on nesting deeper than its limit', () => {
    const deep = `${'['.repeat(150)}${']'.repeat(150)}\n`;
    expect(scanYaml(deep, undefined, MAX_NESTING_DEPTH)).toBeUndefined();
    expect(parseYaml(deep, 'f.yaml').documents).toHaveLength(1);
  });

  it('keeps positions in the file for later documents and in Markdown blocks', () => {
    const text = 'a: 1\n---\nkind: Deployment\nspec:\n  replicas: 3\n';
    expect(scanYaml(text, undefined, MAX_NESTING_DEPTH)).toBeDefined();
    const doc = parseYaml(text, 'f.yaml').documents[1]!;
    expect(doc.positionOf(['spec', 'replicas'])).toEqual({ line: 5, column: 13, endLine: 5, endColumn: 14 });
    const mapped = parseYaml(text, 'f.md', {
      mapPosition: (line, column) => ({ line: line + 10, column: column + 2 }),
    }).documents[1]!;
    expect(mapped.positionOf(['spec', 'replicas'])).toEqual({
      line: 15,
      column: 15,
      endLine: 15,
      endColumn: 16,
    });
  });

  it('answers positions of a wide mapping through its index', () => {
    const lines = ['kind: ConfigMap', 'data:'];
    for (let i = 0; i < 100; i++) lines.push(`  key${i}: value ${i}`);
    const text = `${lines.join('\n')}\n`;
    const scanned = scanYaml(text, undefined, MAX_NESTING_DEPTH)!;
    for (const i of [99, 0, 50, 99]) {
      const range = scanned.index.locate(0, ['data', `key${i}`], false)!;
      expect(text.slice(range[0], range[1])).toBe(`value ${i}`);
    }
    expect(scanned.index.locate(0, ['data', 'absent'], false)).toEqual([16, 20]);
  });

  it('reads repeated keys and values as the yaml package does, past what its tables remember', () => {
    // Repeats (one string per distinct text), look-alikes of other types, and more distinct keys
    // and short values than the tables take (the rest are read without them).
    const lines = ['a: [80, "80", 80, true, "true", x, x, 1e3, 1e3, ~, ~]', 'b: {a: 80, b: "a", c: a}'];
    for (let i = 0; i < 1500; i++)
      lines.push(`k${i}: {k${i}: v${i}, a: v${i % 7}, n: ${i}, k${i + 1}: ${i}}`);
    const text = `${lines.join('\n')}\n`;
    const scanned = scanYaml(text, undefined, MAX_NESTING_DEPTH);
    expect(scanned).toBeDefined();
    const value = scanned!.documents[0]!.value as Record<string, Record<string, unknown>>;
    expect(Object.keys(value)).toHaveLength(1502);
    expect(value.k1499).toEqual({ k1499: 'v1499', a: 'v1', n: 1499, k1500: 1499 });
    expectScanExact(text);
  });

  it('keeps each text’s index and values its own when later texts are scanned, or given up on', () => {
    const first = 'kind: Pod\nspec: {containers: [{name: a, port: 80}]}\n';
    const a = scanYaml(first, undefined, MAX_NESTING_DEPTH)!;
    // A larger text (its index outgrows the working arrays), one given up on halfway, another.
    const wide = Array.from({ length: 30_000 }, (_, i) => `k${i}: [v${i}, ${i}]`).join('\n');
    expect(scanYaml(`${wide}\n`, undefined, MAX_NESTING_DEPTH)).toBeDefined();
    expect(
      scanYaml('spec: {containers: [{name: b}]}\nx: &y 1\n', undefined, MAX_NESTING_DEPTH),
    ).toBeUndefined();
    const b = scanYaml(
      'spec:\n  containers:\n    - name: b\n      port: "80"\n',
      undefined,
      MAX_NESTING_DEPTH,
    )!;
    expect(a.documents[0]!.value).toEqual({ kind: 'Pod', spec: { containers: [{ name: 'a', port: 80 }] } });
    expect(b.documents[0]!.value).toEqual({ spec: { containers: [{ name: 'b', port: '80' }] } });
    const at = (text: string, range: [number, number] | undefined) => range && text.slice(range[0], range[1]);
    expect(at(first, a.index.locate(0, ['spec', 'containers', 0, 'port'], false))).toBe('80');
    expect(at(first, a.index.locate(0, ['spec', 'containers', 0, 'name'], true))).toBe('name');
  });

  it('reads each text by its own characters: after a longer text, and beyond ASCII', () => {
    // The character loops read the text's code units from a working array that a longer text
    // filled before: what lies past the end of a shorter text must never be read as its own.
    const long = `${Array.from({ length: 5_000 }, (_, i) => `k${i}:   :  # : ${i}`).join('\n')}\n`;
    scanYaml(long.replace(/# /g, ''), undefined, MAX_NESTING_DEPTH);
    const texts = [
      'a: b',
      'a: b\nc',
      'a: b\nc:',
      'a: [b, c]',
      'a:   ',
      'a: b   ',
      'key',
      'a: b\n  ',
      // Two-byte texts: keys and values beyond Latin-1, surrogate pairs, a lone surrogate.
      'ключ: значение\nключи: [значение, значение, "значение"]\n',
      'emoji: 😀x\n😀: {😀: 😀}\nb: "\\ud83d\\ude00"\n',
      'a: x\ud800y\nb: x\ud800y\n',
      'a: é\nb: {é: é, ée: éé}\nc: [é, é]\n',
    ];
    let scanned = 0;
    for (const text of texts) {
      scanYaml(long, undefined, MAX_NESTING_DEPTH);
      if (scanYaml(text, undefined, MAX_NESTING_DEPTH)) scanned++;
      expectScanExact(text);
    }
    expect(scanned).toBeGreaterThanOrEqual(8);
    const emoji = scanYaml(texts[9]!, undefined, MAX_NESTING_DEPTH)!;
    expect(emoji.documents[0]!.value).toEqual({ emoji: '😀x', '😀': { '😀': '😀' }, b: '😀' });
  });

  describe('on generated manifests', () => {
    const scalar = fc.oneof(
      fc.constantFrom(
        '~',
        'null',
        'Null',
        'NULL',
        'true',
        'True',
        'False',
        'TRUE',
        'yes',
        'on',
        '0',
        '-0',
        '+12',
        '014',
        '0o17',
        '0o8',
        '0x1F',
        '0xg',
        '1_000',
        '1.5',
        '1.',
        '.5',
        '-.5e3',
        '1e3',
        '1E-2',
        '.inf',
        '-.Inf',
        '+.INF',
        '.nan',
        '.NaN',
        '-.nan',
        'nan',
        '12:30',
        'http://a:80/b',
        'a#b',
        '-x',
        'x-',
        'a b',
        '2Gi',
        'v1.0.0',
        'nvidia.com/gpu',
      ),
      fc.stringMatching(/^[a-zA-Z0-9][a-zA-Z0-9 ._/-]{0,12}$/),
    );
    const quoted = fc.oneof(
      fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
      fc.stringMatching(/^[a-z0-9 :#,[\]{}'"-]{0,10}$/).map((s) => `'${s.replace(/'/g, "''")}'`),
      fc.constantFrom('"\\x41\\u00e9\\U0001F600"', '"a\\tb\\\\c\\"d\\/"', '"\\N\\_\\L\\P\\0\\a\\e"'),
    );
    const key = fc.oneof(
      fc.stringMatching(/^[a-z][a-zA-Z0-9._/-]{0,10}$/),
      fc.constantFrom('apiVersion', 'kind', 'name', 'on', 'yes', 'n', 'y', '"1"', "'true'", '"a b"', 'a b'),
    );
    const comment = fc.constantFrom('', '', '', ' # c', '  #c:d');

    const blockScalar = fc
      .tuple(
        fc.constantFrom('|', '|-', '|+', '>', '>-', '>+'),
        fc.array(
          fc.tuple(
            fc.oneof(fc.constant(''), fc.stringMatching(/^[a-z#:][a-z #:-]{0,8}$/)),
            fc.constantFrom(0, 0, 0, 1, 2),
          ),
          { maxLength: 4 },
        ),
        fc.constantFrom('', '', '\n', '\n\n'),
      )
      .map(
        ([head, lines, after]) =>
          ` ${head}\n  x\n${lines.map(([l, more]) => (l === '' ? '\n' : `  ${' '.repeat(more)}${l}\n`)).join('')}${after}`,
      );

    /** What follows `key:` or `-` in a block collection (one level of nesting, before indentation). */
    const after = (size: number, ofKey: boolean): fc.Arbitrary<string> => {
      const inline = fc.tuple(fc.oneof(scalar, quoted, flow(size)), comment).map(([v, c]) => ` ${v}${c}\n`);
      if (size <= 1) return inline;
      return fc.oneof(
        { weight: 4, arbitrary: inline },
        { weight: 2, arbitrary: mapping(size - 1).map((m) => `${ofKey ? '' : ' #c'}\n${indent(m)}`) },
        { weight: 2, arbitrary: sequence(size - 1).map((q) => `\n${indent(q)}`) },
        { weight: ofKey ? 1 : 0, arbitrary: sequence(size - 1).map((q) => `\n${q}`) },
        { weight: ofKey ? 0 : 2, arbitrary: mapping(size - 1).map((m) => ` ${indent(m).slice(2)}`) },
        { weight: ofKey ? 0 : 1, arbitrary: sequence(size - 1).map((q) => ` ${indent(q).slice(2)}`) },
        { weight: 1, arbitrary: blockScalar },
        { weight: ofKey ? 1 : 0, arbitrary: fc.constant('\n') },
      );
    };
    function indent(text: string): string {
      return text
        .split('\n')
        .map((line) => (line === '' ? line : `  ${line}`))
        .join('\n');
    }
    const mapping = (size: number): fc.Arbitrary<string> =>
      fc
        .uniqueArray(fc.tuple(key, after(size, true), fc.constantFrom('', '', '# note\n', '\n')), {
          minLength: 1,
          maxLength: 4,
          selector: ([k]) => k,
        })
        .map((entries) => entries.map(([k, v, extra]) => `${extra}${k}:${v}`).join(''));
    const sequence = (size: number): fc.Arbitrary<string> =>
      fc
        .array(after(size, false), { minLength: 1, maxLength: 3 })
        .map((items) => items.map((v) => `-${v}`).join(''));
    function flow(size: number): fc.Arbitrary<string> {
      const item = size <= 1 ? fc.oneof(scalar, quoted) : fc.oneof(scalar, quoted, flow(size - 1));
      return fc.oneof(
        fc.array(item, { maxLength: 3 }).map((items) => `[${items.join(', ')}]`),
        fc
          .uniqueArray(fc.tuple(key, item), { maxLength: 3, selector: ([k]) => k })
          .map((pairs) => `{ ${pairs.map(([k, v]) => `${k}: ${v}`).join(', ')} }`),
      );
    }
    const stream = fc
      .array(fc.oneof(mapping(4), sequence(3)), { minLength: 1, maxLength: 3 })
      .map((documents) => documents.join('---\n'));

    it('reads each exactly as the yaml package does, or gives up, and reads most of them', () => {
      let read = 0;
      let runs = 0;
      fc.assert(
        fc.property(stream, (text) => {
          runs++;
          if (scanYaml(text, undefined, MAX_NESTING_DEPTH)) read++;
          expectScanExact(text);
        }),
        { numRuns: 400 },
      );
      expect(read / runs).toBeGreaterThan(0.5);
    });
  });
});
