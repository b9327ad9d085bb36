/**
 * The data tables' one-entry-per-line layout (scripts/table-layout.mjs writes it,
 * src/manifest/table-file.ts reads it entry by entry): the same answers as parsing the whole JSON.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTable } from '../src/manifest/table-file.js';
// @ts-expect-error: a build script in plain JavaScript, without type declarations.
import { tableText as untypedTableText } from '../scripts/table-layout.mjs';

const tableText = untypedTableText as (
  head: Record<string, unknown>,
  member: string,
  entries: unknown[] | Record<string, unknown>,
) => string;
const ROOT = join(import.meta.dirname, '..');

/** Every answer of the reader against JSON.parse of the whole text. */
function expectSameAsWhole(text: string, member: string): void {
  const whole = JSON.parse(text) as Record<string, unknown>;
  const entries = whole[member] as unknown[] | Record<string, unknown>;
  const table = readTable(text, member);
  const { [member]: _ignored, ...head } = whole;
  expect({ ...table.head, [member]: undefined }).toEqual({ ...head, [member]: undefined });
  if (Array.isArray(entries)) {
    expect(table.size).toBe(entries.length);
    entries.forEach((entry, i) => expect(table.entry(i)).toEqual(entry));
    expect(table.entry(entries.length)).toBeUndefined();
    expect(table.entry(-1)).toBeUndefined();
    expect(table.entry('0')).toBeUndefined();
  } else {
    expect(table.size).toBe(Object.keys(entries).length);
    for (const [key, entry] of Object.entries(entries)) expect(table.entry(key)).toEqual(entry);
    expect(table.entry('no such key')).toBeUndefined();
    expect(table.entry('hasOwnProperty')).toBeUndefined();
    expect(table.entry(0)).toBeUndefined();
  }
}

describe('the data tables under schemas/', () => {
  it.each([
    ['kubernetes-fields.json', 'types'],
    ['crd-shapes.json', 'nodes'],
  ])('%s is written one entry per line, and read entry by entry as the whole JSON reads', (file, member) => {
    const text = readFileSync(join(ROOT, 'schemas', file), 'utf8');
    const whole = JSON.parse(text) as Record<string, unknown>;
    const entries = whole[member] as unknown[] | Record<string, unknown>;
    const count = Array.isArray(entries) ? entries.length : Object.keys(entries).length;
    // A head line, a line per entry and a closing line: the layout, not one long line.
    expect(text.trimEnd().split('\n')).toHaveLength(count + 2);
    const { [member]: _ignored, ...head } = whole;
    expect(tableText(head, member, entries)).toBe(text);
    // In the layout the head holds the member empty: the entries are parsed only when asked.
    expect(readTable(text, member).head[member]).toEqual(Array.isArray(entries) ? [] : {});
    expectSameAsWhole(text, member);
  });
});

describe('readTable', () => {
  const awkward = {
    plain: { f: { a: 's' } },
    'a":b': [1, 2],
    'quote " and \\ backslash': 'x,\n},{',
    'ünïcode ✓': null,
    __proto__: { polluted: true },
    '': 0,
    'ends with comma,': { k: 'x' },
  } as Record<string, unknown>;
  // An own "__proto__" key, as JSON.parse makes it.
  const map = JSON.parse(JSON.stringify(awkward)) as Record<string, unknown>;
  Object.defineProperty(map, '__proto__', { value: { polluted: true }, enumerable: true });

  it('reads awkward keys and values of a map written in the layout', () => {
    const text = tableText({ source: 'test', kinds: { 'v1 Pod': 'p' } }, 'types', map);
    expectSameAsWhole(text, 'types');
    expect(readTable(text, 'types').entry('__proto__')).toEqual({ polluted: true });
  });

  it('reads a list written in the layout, empty lists and maps included', () => {
    expectSameAsWhole(tableText({ kinds: { a: 1 } }, 'nodes', [{ k: 'o' }, 'x,', [], null, 3]), 'nodes');
    expectSameAsWhole(tableText({ kinds: {} }, 'nodes', []), 'nodes');
    expectSameAsWhole(tableText({ kinds: {} }, 'types', {}), 'types');
  });

  it('reads a table without the layout (one line, or edited by hand) whole, with the same answers', () => {
    const text = tableText({ source: 'test' }, 'types', map);
    expectSameAsWhole(`${JSON.stringify(JSON.parse(text))}\n`, 'types');
    expectSameAsWhole(JSON.stringify({ packages: {}, nodes: [{ k: 'x' }, { k: 's' }] }, null, 2), 'nodes');
    // The member not last: the head's line does not end by opening it.
    expectSameAsWhole(`{"types":{\n"a":1\n},"source":"x"}\n`, 'types');
  });

  it('fails on a text that is not JSON, as JSON.parse does', () => {
    // In the layout, a broken entry fails when it is read.
    const broken = readTable('{"source":"x","types":{\n"a":\n}}', 'types');
    expect(broken.size).toBe(1);
    expect(() => broken.entry('a')).toThrow(SyntaxError);
    expect(() => readTable('{"types":', 'types')).toThrow(SyntaxError);
  });
});
