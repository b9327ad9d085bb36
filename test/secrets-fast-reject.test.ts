import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { cannotHoldSecret, detectSecret } from '../src/check/secrets.js';

/**
 * detectSecret dismisses most values with cannotHoldSecret before its regular expressions run. The
 * dismissal must never change an answer. Trailing spaces make a value long enough to pass the
 * dismissal while detectSecret reads the same trimmed text, so detectSecret(value + spaces) is the
 * full test without the shortcut: the two must agree on every value and key of every fixture, and on
 * values built around each threshold.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAD = ' '.repeat(32);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry) ? [path] : [];
    });
}

function collect(value: unknown, values: Set<string>, keys: Set<string>): void {
  if (typeof value === 'string') values.add(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, values, keys);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      keys.add(k);
      collect(v, values, keys);
    }
}

const values = new Set<string>();
const keys = new Set<string>();
for (const file of [...yamlFiles(join(ROOT, 'test/fixtures')), ...yamlFiles(join(ROOT, 'examples'))])
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    if (!('toJS' in doc)) continue;
    try {
      collect(doc.toJS({ maxAliasCount: 100 }), values, keys);
    } catch {
      // A fixture of broken YAML: its values are not needed here.
    }
  }

// Each known format and URL shape, cut at every length around the thresholds (14, 15, 23, 24 …).
const TOKENS = [
  'xoxb-1234567890abcdef',
  'AKIAQWERTYUIOPASDFGH',
  'hf_QpW8eRt5yUi2oPaS9dFgH4jKlZx7cVbN6mW3q',
  'sk-proj-T4k8Lm2Nq9Rs5Vw1Xy7Za3Bc6De0Fg8Hj2Kp',
  'aB3dE5gH7jK9mN1pQ3sT5vW7yZ',
  'u:p@h',
  'http://a?key=b',
  '-----BEGIN PRIVATE KEY-----',
];
for (const token of TOKENS) for (let n = 1; n <= token.length; n++) values.add(token.slice(0, n));
for (const v of ['', ' ', '@', '?', ' x ', '\thunter22\t', '$TOKEN', 'changeme', 'hunter22']) values.add(v);
const SHORT_VALUES = ['', 'x', 'hunter22', 'changeme', 'true', '12345678', 'a b c'];
const NAMES = [undefined, '', 'API_KEY', 'api-key', 'Token', 'HF_TOKEN_FILE', 'password', 'MODEL', 'x'];

describe('cannotHoldSecret', () => {
  it('never changes what detectSecret finds, on every fixture value and name', () => {
    const agree = (value: string, name: string | undefined) =>
      expect(detectSecret(value, name), `${JSON.stringify(value)} named ${name}`).toEqual(
        detectSecret(value + PAD, name),
      );
    let dismissed = 0;
    for (const value of values)
      for (const name of NAMES) {
        if (cannotHoldSecret(value, name)) dismissed++;
        agree(value, name);
      }
    // Every fixture key as the name of a short value (the name decides only short values).
    for (const name of keys) for (const value of SHORT_VALUES) agree(value, name);
    // The shortcut must be taken (or this test compares the full path with itself).
    expect(dismissed).toBeGreaterThan(1000);
    expect(values.size).toBeGreaterThan(1000);
    expect(keys.size).toBeGreaterThan(100);
  });

  it('lets through the shortest values each test can flag', () => {
    expect(cannotHoldSecret('xoxb-1234567890')).toBe(false);
    expect(detectSecret('xoxb-1234567890')?.kind).toBe('a Slack token');
    expect(cannotHoldSecret('a:b@c')).toBe(false);
    expect(cannotHoldSecret('hunter22', 'DB_PASSWORD')).toBe(false);
    expect(cannotHoldSecret('hunter22', 'MODEL')).toBe(true);
  });
});
