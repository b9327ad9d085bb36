/**
 * Contextual auto-escaping for the scaffold's Handlebars templates, after Go's html/template:
 * every `{{value}}` is quoted for the language of the file and the place on the line where it lands
 * (a YAML value, a comment, inside a double-quoted string), so a template cannot forget to quote and
 * a value cannot end its field. Helpers that return a SafeString (`json`, `toYaml`) are already
 * serialised and pass through; `{{{raw}}}` is the explicit, unescaped exception.
 */
import type {} from 'handlebars'; // the global hbs.AST types
import { commentText, hasControlCharacters, quoteJson, quoteYaml, SAFE_WORD, toJson } from './escape.js';

export type Language = 'yaml' | 'dockerfile' | 'python' | 'text';
/** Where on its line a value lands. */
export type Where = 'plain' | 'comment' | 'double-quoted' | 'single-quoted';

export const ESCAPE_HELPER = '__escape';

export interface EscapeHash {
  lang: Language;
  where: Where;
  /** The expression as written, for error messages. */
  name: string;
  line: number;
}

export function languageOf(templatePath: string): Language {
  if (/\.ya?ml\.hbs$/.test(templatePath)) return 'yaml';
  if (/(^|\/)([\w.-]+\.)?Dockerfile\.hbs$/.test(templatePath)) return 'dockerfile';
  if (/\.py\.hbs$/.test(templatePath)) return 'python';
  return 'text';
}

/** A value a template asked for that cannot be written where it stands. */
export class TemplateValueError extends Error {
  constructor(
    readonly variable: string,
    readonly line: number,
    readonly reason: 'undefined' | 'unsafe',
    detail: string,
  ) {
    super(detail);
  }
}

type Node = hbs.AST.Node;
type Program = hbs.AST.Program;
type Mustache = hbs.AST.MustacheStatement;

/** Rewrites every escaped `{{…}}` of a parsed template into `{{__escape (…) lang=… where=…}}`. */
export function escapeContextually(program: Program, lang: Language): Program {
  walk(program, lang, '');
  return program;
}

function walk(program: Program, lang: Language, tailIn: string): string {
  let tail = tailIn;
  for (const statement of program.body as Node[]) {
    if (statement.type === 'ContentStatement') {
      const value = (statement as hbs.AST.ContentStatement).value;
      const newline = value.lastIndexOf('\n');
      tail = newline >= 0 ? value.slice(newline + 1) : tail + value;
    } else if (statement.type === 'MustacheStatement') {
      const mustache = statement as Mustache;
      if (mustache.escaped) wrap(mustache, lang, whereOnLine(lang, tail));
      tail += 'x';
    } else if (statement.type === 'BlockStatement') {
      const block = statement as hbs.AST.BlockStatement;
      const after = walk(block.program, lang, tail);
      if (block.inverse) walk(block.inverse, lang, tail);
      tail = after;
    }
  }
  return tail;
}

function wrap(mustache: Mustache, lang: Language, where: Where): void {
  const loc = mustache.loc;
  const original = mustache.path as hbs.AST.PathExpression;
  const isCall = mustache.params.length > 0 || mustache.hash !== undefined;
  const inner: hbs.AST.Expression = isCall
    ? ({
        type: 'SubExpression',
        path: mustache.path,
        params: mustache.params,
        hash: mustache.hash,
        loc,
      } as unknown as hbs.AST.SubExpression)
    : mustache.path;
  const pair = (key: string, value: string | number): hbs.AST.HashPair =>
    ({
      type: 'HashPair',
      key,
      value:
        typeof value === 'number'
          ? { type: 'NumberLiteral', value, original: value, loc }
          : { type: 'StringLiteral', value, original: value, loc },
      loc,
    }) as unknown as hbs.AST.HashPair;
  const helper: hbs.AST.PathExpression = {
    type: 'PathExpression',
    data: false,
    depth: 0,
    parts: [ESCAPE_HELPER],
    original: ESCAPE_HELPER,
    loc,
  };
  mustache.path = helper;
  mustache.params = [inner];
  const hash: hbs.AST.Hash = {
    type: 'Hash',
    pairs: [
      pair('lang', lang),
      pair('where', where),
      pair('name', original.original ?? ''),
      pair('line', loc.start.line),
    ],
    loc,
  };
  mustache.hash = hash;
}

/** Reads the line so far: inside a comment, inside a quoted string, or plain. */
function whereOnLine(lang: Language, tail: string): Where {
  if (lang === 'text') return 'plain';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < tail.length; i++) {
    const ch = tail[i]!;
    if (quote === '"') {
      if (ch === '\\') i++;
      else if (ch === '"') quote = undefined;
    } else if (quote === "'") {
      if (ch === "'") quote = undefined;
    } else if (ch === '"' || (ch === "'" && lang !== 'dockerfile')) quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(tail[i - 1]!))) return 'comment';
  }
  if (quote === '"') return 'double-quoted';
  if (quote === "'") return 'single-quoted';
  return 'plain';
}

/** The text a value becomes at one place in one language. */
export function escapeFor(lang: Language, where: Where, value: unknown, name: string, line: number): string {
  if (value === undefined || value === null)
    throw new TemplateValueError(name, line, 'undefined', `${name} is not defined`);
  if (typeof value === 'number' || typeof value === 'boolean') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new TemplateValueError(name, line, 'unsafe', `${name} is not a finite number`);
    return String(value);
  }
  if (typeof value !== 'string') {
    // Lists and mappings are data: JSON is valid YAML flow and (for strings and numbers) Python.
    if (lang === 'yaml' && where === 'plain') return toJson(value);
    throw new TemplateValueError(
      name,
      line,
      'unsafe',
      `${name} is a ${Array.isArray(value) ? 'list' : 'mapping'}; use {{json …}} or {{toYaml …}}`,
    );
  }
  if (where === 'comment') return commentText(value);
  const unsafe = (why: string) => new TemplateValueError(name, line, 'unsafe', `${name} ${why}`);
  switch (lang) {
    case 'yaml':
      if (where === 'plain') return quoteYaml(value);
      if (where === 'double-quoted') return quoteJson(value).slice(1, -1);
      if (/^[^'\n\r]*$/.test(value) && !hasControlCharacters(value)) return value;
      throw unsafe('cannot stand inside single quotes');
    case 'python':
      if (where === 'plain') return quoteJson(value);
      if (where === 'double-quoted') return quoteJson(value).slice(1, -1);
      return quoteJson(value).slice(1, -1).replace(/'/g, "\\'");
    case 'dockerfile':
      if (hasControlCharacters(value)) throw unsafe('holds a line break or control character');
      // Outside exec-form JSON (printed with {{json …}}) a Dockerfile takes plain words only.
      if (SAFE_WORD.test(value)) return value;
      throw unsafe(
        'is not a plain word (letters, digits and @%+=:,./_-); print it in exec form with {{json …}}',
      );
    case 'text':
      if (hasControlCharacters(value)) throw unsafe('holds a line break or control character');
      return value;
  }
}
