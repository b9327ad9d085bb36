/**
 * The data tables under schemas/ (kubernetes-fields.json, crd-shapes.json) are JSON written one entry
 * of their large member per line (scripts/table-layout.mjs):
 *
 *   {"source":"…","kinds":{…},"types":{
 *   "io.k8s.api.apps.v1.Deployment":{…},
 *   …
 *   "io.k8s.api.core.v1.Volume":{…}
 *   }}
 *
 * so `check` parses the small head and only the entries it reaches: parsing both files whole was
 * ~4 ms of every start (issue 18), where a `check examples/llm-chat` reads about a tenth of them.
 * A file without that layout (edited by hand, say) is still JSON and is parsed whole, as before.
 */

/** A table: its head (every member but the large one) and the large member's entries, each parsed when asked for. */
export interface Table<Entry> {
  readonly head: Record<string, unknown>;
  /** How many entries the large member holds. */
  readonly size: number;
  /** The entry of a key (a map) or an index (a list); undefined where there is none. */
  entry(key: string | number): Entry | undefined;
}

/** Reads a table from its text; `member` names the large member (the last one). */
export function readTable<Entry>(text: string, member: string): Table<Entry> {
  return lazyTable<Entry>(text, member) ?? wholeTable<Entry>(text, member);
}

function wholeTable<Entry>(text: string, member: string): Table<Entry> {
  const head = JSON.parse(text) as Record<string, unknown>;
  const entries = head[member];
  if (Array.isArray(entries)) {
    return {
      head,
      size: entries.length,
      entry: (key) => (typeof key === 'number' ? (entries[key] as Entry | undefined) : undefined),
    };
  }
  const map = (entries ?? {}) as Record<string, Entry>;
  return {
    head,
    size: Object.keys(map).length,
    entry: (key) => (typeof key === 'string' && Object.hasOwn(map, key) ? map[key] : undefined),
  };
}

/** The one-entry-per-line layout, or undefined when the text does not have it. */
function lazyTable<Entry>(text: string, member: string): Table<Entry> | undefined {
  const firstEnd = text.indexOf('\n');
  if (firstEnd < 0) return undefined;
  const first = text.slice(0, firstEnd);
  const opener = `,${JSON.stringify(member)}:`;
  if (!first.endsWith(`${opener}[`) && !first.endsWith(`${opener}{`)) return undefined;
  const isList = first.endsWith('[');
  const close = isList ? ']}' : '}}';
  const end = text.trimEnd();
  if (!end.endsWith(`\n${close}`)) return undefined;
  let head: Record<string, unknown>;
  try {
    head = JSON.parse(`${first}${close}`) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  // Where each entry's line starts and ends (its trailing comma left out).
  const starts: number[] = [];
  const ends: number[] = [];
  const last = end.length - close.length - 1;
  for (let at = firstEnd + 1; at < last;) {
    let next = text.indexOf('\n', at);
    if (next < 0 || next > last) next = last;
    starts.push(at);
    ends.push(text.charCodeAt(next - 1) === 0x2c ? next - 1 : next);
    at = next + 1;
  }
  // Parsed at each call: the callers keep what they build from an entry (kubernetes-schema.ts).
  const parse = (line: number) => JSON.parse(text.slice(starts[line], ends[line])) as Entry;
  if (isList) {
    return {
      head,
      size: starts.length,
      entry(key) {
        if (typeof key !== 'number' || !Number.isInteger(key) || key < 0 || key >= starts.length)
          return undefined;
        return parse(key);
      },
    };
  }
  // A map's lines are `"key":value`: the keys are read (a JSON string each) and the values parsed on need.
  const lines = new Map<string, number>();
  for (let i = 0; i < starts.length; i++) {
    const keyEnd = stringEnd(text, starts[i]!);
    if (keyEnd < 0 || text.charCodeAt(keyEnd) !== 0x3a) return undefined;
    // A key without escapes (every key of our tables) is its text between the quotes.
    const raw = text.slice(starts[i]! + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(starts[i], keyEnd)) as string) : raw;
    lines.set(key, i);
    starts[i] = keyEnd + 1;
  }
  return {
    head,
    size: lines.size,
    entry(key) {
      if (typeof key !== 'string') return undefined;
      const line = lines.get(key);
      return line === undefined ? undefined : parse(line);
    },
  };
}

/** The index after the JSON string that starts at `start` (a quote), or -1. */
function stringEnd(text: string, start: number): number {
  if (text.charCodeAt(start) !== 0x22) return -1;
  for (let i = start + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x5c) i++;
    else if (code === 0x22) return i + 1;
    else if (code === 0x0a) return -1;
  }
  return -1;
}
