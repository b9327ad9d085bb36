import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORE_SCHEMA, readWithJsYaml as parseFast } from '../src/manifest/fast-yaml.js';
import { locateInEvents, readNodeEvents } from '../src/manifest/yaml-locator.js';
import { MAX_NESTING_DEPTH, parseComposed, parseWithJsYaml as parseYaml } from '../src/manifest/yaml.js';
import { paths, ROOT, yamlFiles } from './helpers/yaml-corpus.js';

/** The fast path must read a text exactly as the yaml package does: values, counts, problems, positions. */
function expectSameAsComposed(text: string, file = 'f.yaml'): void {
  const fast = parseYaml(text, file);
  const composed = parseComposed(text, file);
  expect(fast.documentCount).toBe(composed.documentCount);
  expect(fast.problems).toEqual(composed.problems);
  expect(fast.documents.map((d) => [d.index, d.value])).toStrictEqual(
    composed.documents.map((d) => [d.index, d.value]),
  );
  fast.documents.forEach((document, i) => {
    const reference = composed.documents[i]!;
    for (const found of paths(document.value).slice(0, 400)) {
      // Paths that go past what exists resolve to their nearest ancestor, as findings' paths may.
      for (const path of [found, [...found, 'absent'], [...found, 10_000]]) {
        const at = `${file} ${path.join('.')}`;
        expect(document.positionOf(path), at).toEqual(reference.positionOf(path));
        expect(document.positionOf(path, { key: true }), at).toEqual(
          reference.positionOf(path, { key: true }),
        );
      }
    }
  });
}

// The js-yaml path, which parseYaml takes for what scanYaml gives up on (test/scan-yaml.test.ts).
describe('the fast YAML path', () => {
  const files = [
    ...yamlFiles(join(ROOT, 'test/fixtures')),
    ...yamlFiles(join(ROOT, 'examples')),
    ...yamlFiles(join(ROOT, 'test/golden')),
  ];

  it('reads every fixture and example exactly as the yaml package does', () => {
    expect(files.length).toBeGreaterThan(150);
    for (const file of files) expectSameAsComposed(readFileSync(file, 'utf8'), file);
  });

  it('locates most paths from the node events of js-yaml, without the yaml package (else it buys nothing)', () => {
    let asked = 0;
    let answered = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const { value, start, end } of parseFast(text, undefined, MAX_NESTING_DEPTH)?.documents ?? []) {
        const events = readNodeEvents(text.slice(start, end), CORE_SCHEMA, MAX_NESTING_DEPTH);
        expect(events, file).toBeDefined();
        for (const path of paths(value).slice(1, 400)) {
          asked++;
          if (locateInEvents(text.slice(start, end), events!, path, false)) answered++;
        }
      }
    }
    expect(asked).toBeGreaterThan(5_000);
    expect(answered / asked).toBeGreaterThan(0.85);
  });

  it('takes the fast path for most real manifests (else it buys nothing)', () => {
    const fast = files.filter((file) => parseFast(readFileSync(file, 'utf8'), undefined, MAX_NESTING_DEPTH));
    expect(fast.length / files.length).toBeGreaterThan(0.6);
  });

  it.each([
    ['an empty stream', ''],
    ['a comment only', '# c\n'],
    ['a comment before the first separator', '# c\n---\na: 1\n'],
    ['a trailing separator', 'a: 1\n---\n'],
    ['an empty document between separators', 'a: 1\n---\n---\nb: 2\n'],
    ['a separator with a comment', 'a: 1\n--- # c\nb: 1\n'],
    ['null documents', 'null\n---\n~\n'],
    ['a null key', '~: 1\n'],
    ['an empty key', ': 1\n'],
    ['underscored numbers', 'a: 1_000\nb: 1_0.5\n'],
    ['numbers of every core form', 'a: [-0, 014, 0o14, 0x1F, +12, 1e3, .5, -.inf, .NaN, 1., 0b1, 12:30]\n'],
    ['booleans and nulls of every case', 'a: [true, True, TRUE, yes, on, null, Null, NULL, ~, tRUE]\n'],
    ['a __proto__ key', '__proto__: {a: 1}\n'],
    ['CRLF line ends', 'a: 1\r\n---\r\nb:\r\n  - c\r\n'],
    ['block scalars', 'a: |\n  x\n  y\nb: >-\n  folded\n  text\n\nc: |+\n  keep\n\n'],
    ['quoted escapes', 'a: "\\u00e9\\t\\x41"\nb: \'it\'\'s\'\nc: "multi\n  line"\n'],
    ['a duplicate key', 'a: 1\na: 2\n'],
    ['keys equal as strings only', '1: a\n"1": b\n'],
    ['an anchor and alias', 'a: &x {b: 1}\nc: *x\n'],
    ['a merge key', 'a: &x {b: 1}\nc: {<<: *x}\n'],
    ['a tag', 'a: !!str 1\nb: !custom x\n'],
    ['a directive', '%YAML 1.1\n---\na: yes\n'],
    ['an end marker', 'a: 1\n...\n---\nb: 2\n'],
    ['a flow collection as a key', '[a, b]: 1\n'],
    ['an explicit key', '? a\n: 1\n'],
    ['invalid YAML', 'a: [1, 2\nb: 3\n'],
    ['a tab as indentation', 'a:\n\tb: 1\n'],
    ['a BOM', '\uFEFFa: 1\n'],
    ['content on the separator line', '--- {a: 1}\n'],
    ['document-like lines in a block scalar', 'a: |\n  ---\n  x\n'],
    ['an implicit key over 1 024 characters', `${'k'.repeat(1100)}: 1\n`],
    ['a comment right after a quoted value', 'a: "b"#c\n'],
    ['bare carriage returns as line breaks', 'a: 1\r\rb: 2\n'],
  ])('reads %s as the yaml package does', (_name, text) => {
    expectSameAsComposed(text);
  });

  it('refuses what is too deep as the yaml package does', () => {
    const deep = `${'['.repeat(MAX_NESTING_DEPTH + 5)}${']'.repeat(MAX_NESTING_DEPTH + 5)}\n`;
    expectSameAsComposed(deep);
    expect(parseYaml(deep, 'f.yaml').problems[0]?.message).toMatch(/nests more than/);
  });

  it('keeps positions in the file for later documents and in Markdown blocks', () => {
    const text = 'a: 1\n---\nkind: Deployment\nspec:\n  replicas: 3\n';
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

  it('leaves the document limit to the yaml package', () => {
    const text = 'a: 1\n---\nb: 2\n---\nc: 3\n';
    expect(parseFast(text, 2, MAX_NESTING_DEPTH)).toBeUndefined();
    const limited = parseYaml(text, 'f.yaml', { maxDocuments: 2 });
    expect(limited.problems[0]?.message).toMatch(/more than 2 YAML documents/);
  });
});
