#!/usr/bin/env node
// Writes schemas/crd-shapes.json: for each custom resource kind of the kubernetes-models packages
// whose validators are plain functions (prometheus-operator, keda), a graph of the checks its Ajv
// validator makes, read from the validator's own generated code. src/manifest/kubernetes-schema.ts
// walks it to answer "certainly valid" for a custom resource without running the validator, whose
// many small generated functions are optimized only in the second or third run of a process
// (issue 18); whatever the walk cannot prove goes to the validator, which gives every message.
//
// The reading is conservative by construction: a validator function is recognised only when its
// whole body, once the pieces below are taken out, is exactly one of a few templates (type,
// required, properties, items, map values, enum of strings, a reference to another module's
// validator). Anything else — a pattern, a format, min/max, anyOf, a template not listed — makes
// the node "x" (cannot prove), and the walk hands every object reaching it to the validator.
// Why not the CRDs' JSON schemas: the packages ship only the generated code, and that code, not a
// schema it was generated from, is what decides what the rule reports.
//
// Usage: node scripts/crd-shapes.mjs [--check]
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tableText } from './table-layout.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const OUT = join(root, 'schemas/crd-shapes.json');
/** The packages whose kinds bind a plain validate function (istio's read a schema id instead). */
const PACKAGES = ['@kubernetes-models/prometheus-operator', '@kubernetes-models/keda'];

const HEAD =
  /function (validate\d+)\(data,\{instancePath="",parentData,parentDataProperty,rootData=data\}=\{\}\)\{let vErrors=null,errors=0;/g;
/** The same, for a function holding an anyOf (Ajv declares its flag with the counters). */
const HEAD_ANY_OF =
  /function (validate\d+)\(data,\{instancePath="",parentData,parentDataProperty,rootData=data\}=\{\}\)\{let vErrors=null,errors=0,valid0=!1;/g;
const IDENT = '[A-Za-z_$][\\w$]*';
const STRING = '"(?:[^"\\\\]|\\\\.)*"';
const ERROR_PUSH = new RegExp(
  `let (err\\d+)=\\{instancePath,schemaPath:"#/(\\w+)",keyword:"(\\w+)",params:\\{((?:[^{}"]|${STRING})*)\\}\\};` +
    'null===vErrors\\?vErrors=\\[\\1\\]:vErrors\\.push\\(\\1\\),errors\\+\\+',
  'g',
);
const CONCAT = (fn) =>
  `\\|\\|\\(errors=\\(vErrors=null===vErrors\\?${fn}\\.errors:vErrors\\.concat\\(${fn}\\.errors\\)\\)\\.length\\)`;
/** An anyOf of two schemas, nothing else: valid where either is (int-or-string is written so). */
const ANY_OF_TWO = new RegExp(
  `^(validate\\d+)\\(data,\\{instancePath,parentData,parentDataProperty,rootData\\}\\)${CONCAT('\\1')};` +
    'var _valid0=0===errors;if\\(!\\(valid0=valid0\\|\\|_valid0\\)\\)\\{let _errs2=errors;' +
    `(validate\\d+)\\(data,\\{instancePath,parentData,parentDataProperty,rootData\\}\\)${CONCAT('\\2')};` +
    'var _valid0=_errs2===errors;valid0=valid0\\|\\|_valid0\\}if\\(valid0\\)errors=0,null!==vErrors&&' +
    '\\(vErrors=null\\);else\\{let err0=\\{instancePath,schemaPath:"#/anyOf",keyword:"anyOf",params:\\{\\}\\};' +
    'null===vErrors\\?vErrors=\\[err0\\]:vErrors\\.push\\(err0\\),errors\\+\\+\\}return $',
);
const REQUIRED = new RegExp(`if\\(void 0===data\\.(${IDENT})\\)\\{<required:\\1>\\}`, 'g');
const PROPERTY = new RegExp(
  `void 0===data\\.(${IDENT})\\|\\|(validate\\d+)\\(data\\.\\1,\\{instancePath:instancePath\\+"/\\1",` +
    `parentData:data,parentDataProperty:"\\1",rootData\\}\\)${CONCAT('\\2')}`,
  'g',
);
const ITEMS = new RegExp(
  'if\\(Array\\.isArray\\(data\\)\\)\\{let len0=data\\.length;for\\(let i0=0;i0<len0;i0\\+\\+\\)' +
    '(validate\\d+)\\(data\\[i0\\],\\{instancePath:instancePath\\+"/"\\+i0,parentData:data,' +
    `parentDataProperty:i0,rootData\\}\\)${CONCAT('\\1')}\\}`,
);
const VALUES = new RegExp(
  'for\\(let key0 in data\\)(validate\\d+)\\(data\\[key0\\],\\{instancePath:instancePath\\+"/"\\+' +
    'key0\\.replace\\(/~/g,"~0"\\)\\.replace\\(/\\\\//g,"~1"\\),parentData:data,parentDataProperty:key0,' +
    `rootData\\}\\)${CONCAT('\\1')};`,
);
const REF = new RegExp(
  `^return ?(null===data\\|\\|)?\\(0,(${IDENT})\\.validate\\)\\(data,\\{instancePath,parentData,` +
    `parentDataProperty,rootData\\}\\)\\|\\|\\(errors=\\(vErrors=null===vErrors\\?\\2\\.validate\\.errors:` +
    'vErrors\\.concat\\(\\2\\.validate\\.errors\\)\\)\\.length\\),$',
);
const ENUM_ONE = new RegExp(`^if\\((${STRING})!==data\\)\\{<enum>\\}`);
const ENUM_MANY = new RegExp(`^if\\(!\\((${STRING}===data(?:\\|\\|${STRING}===data)*)\\)\\)\\{<enum>\\}`);
/** A scalar type test, as Ajv writes it, and the type its error names. */
const SCALAR_TESTS = [
  ['"string"!=typeof data', 'string', 's'],
  ['"boolean"!=typeof data', 'boolean', 'b'],
  ['!("number"==typeof data&&!(data%1)&&!isNaN(data)&&isFinite(data))', 'integer', 'i'],
  ['!("number"==typeof data&&isFinite(data))', 'number', 'f'],
];
const OBJECT = 'data&&"object"==typeof data&&!Array.isArray(data)';
/** A pattern test on a string; the RegExp is built at the module's top (see readModule). */
const PATTERN_TEST = /^if\("string"==typeof data&&!(pattern\d+)\.test\(data\)\)\{<pattern>\}/;
const PATTERN_ONLY_STRINGS =
  /^if\("string"==typeof data\)\{if\(!(pattern\d+)\.test\(data\)\)\{<pattern>\}\}else\{<type:string>\}/;
/**
 * A minimum length on a non-null string (the whole body's type test and length test in one if/else):
 * the binding of Ajv's ucs2length, the limit, and the limit its error names.
 */
const MIN_LENGTH_ONLY_STRINGS = new RegExp(
  `^if\\("string"==typeof data\\)\\{if\\((\\d+)>\\(0,(${IDENT})\\.default\\)\\(data\\)\\)\\{<minLength:(\\d+)>\\}\\}else\\{<type:string>\\}`,
);
/**
 * What the walk takes a string's length to be (src/manifest/kubernetes-schema.ts, codePoints): code
 * points, a surrogate pair counting once. A module whose ucs2length answers otherwise gets none read.
 */
const UCS2_PROBES = [
  '',
  'a',
  'ab',
  '\u00e9',
  '\ud83d\ude00',
  '\ud83d\ude00x',
  '\ud800',
  '\udc00\ud800',
  'a\ud800b',
];
const ucs2Semantics = (text) => [...text].length;
/** A format test on a number; the function is bound at the module's top (see readModule). */
const FORMAT_TEST =
  /^if\("number"==typeof data&&isFinite\(data\)&&!(formats\d+)\.validate\(data\)\)\{<format:(\w+)>\}/;
/**
 * What the walk takes the two integer formats to accept (src/manifest/kubernetes-schema.ts,
 * fitsCrd). A module whose format functions answer otherwise on these values gets no format read.
 */
const FORMAT_SEMANTICS = {
  int32: (v) => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1,
  int64: (v) => Number.isInteger(v),
};
const FORMAT_PROBES = [
  0,
  1,
  -1,
  1.5,
  -0.5,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  -(2 ** 31) - 1,
  2 ** 53,
  2 ** 60,
  -(2 ** 60),
];

/**
 * One validator function's body as a node: { k: kind, n: nullable, … } with child references by
 * [file, function] (numbered later). k: "o" object (r required, p properties), "m" map (i values),
 * "a" list (i items), "s"/"b"/"i"/"f" string/boolean/integer/finite number (e enum), "e" any value
 * of an enum, "*" anything, "r" another module's validator (to), "x" cannot prove.
 */
function readBody(body, file, modules) {
  let unknown = false;
  let text = body.replace(ERROR_PUSH, (_m, _err, path, keyword, params) => {
    if (path !== keyword) unknown = true;
    if (keyword === 'type') {
      const type = /^type:"(\w+)"$/.exec(params);
      if (!type) unknown = true;
      return `<type:${type ? type[1] : '?'}>`;
    }
    if (keyword === 'required') {
      const missing = new RegExp(`^missingProperty:"(${IDENT})"$`).exec(params);
      if (!missing) unknown = true;
      return `<required:${missing ? missing[1] : '?'}>`;
    }
    if (keyword === 'enum' && /^allowedValues:schema\d+\.enum$/.test(params)) return '<enum>';
    const format = /^format:"(int32|int64)"$/.exec(params);
    if (keyword === 'format' && format) return `<format:${format[1]}>`;
    if (keyword === 'pattern' && new RegExp(`^pattern:${STRING}$`).test(params)) return '<pattern>';
    const limit = /^limit:(\d+)$/.exec(params);
    if (keyword === 'minLength' && limit) return `<minLength:${limit[1]}>`;
    unknown = true;
    return '<other>';
  });
  if (unknown) return { k: 'x' };
  const required = [];
  text = text.replace(REQUIRED, (_m, name) => {
    required.push(name);
    return '';
  });
  const properties = {};
  text = text.replace(PROPERTY, (_m, name, fn) => {
    properties[name] = [file, fn];
    return '\0';
  });
  text = text.replace(/\0(?:,\0)*/g, 'PS');
  const names = [...required, ...Object.keys(properties)];
  // Ajv reads data.name: a name Object.prototype answers (constructor, toString, __proto__) would
  // be read from the prototype where the walk sees no own key.
  if (names.some((name) => name in Object.prototype || name === '__proto__')) return { k: 'x' };
  let items;
  text = text.replace(ITEMS, (_m, fn) => {
    items = [file, fn];
    return 'ITEMS';
  });
  text = text.replace(VALUES, (_m, fn) => {
    items = [file, fn];
    return 'VALUES';
  });
  text = text.split(OBJECT).join('OBJ');

  const ref = REF.exec(text);
  if (ref) {
    const target = modules.get(file).requires.get(ref[2]);
    return target ? { k: 'r', n: ref[1] ? 1 : 0, to: [target, 'validate'] } : { k: 'x' };
  }
  // Objects.
  const objectForms = [
    [/^if\(OBJ\)(?:\{PS\}|PS;)else\{<type:object>\}return $/, 0, true],
    [/^if\(OBJ\)\{\}else\{<type:object>\}return $/, 0, true],
    [
      /^if\(!\(OBJ\)&&null!==data\)\{<type:object>\}return!data\|\|"object"!=typeof data\|\|Array\.isArray\(data\)\|\|(?:\(PS\)|PS),$/,
      1,
      true,
    ],
    [/^if\(!\(OBJ\)&&null!==data\)\{<type:object>\}if\(OBJ\)\{(?:PS)?\}return $/, 1, true],
    [/^if\(!\(OBJ\)&&null!==data\)\{<type:object>\}return $/, 1, true],
    [/^if\(!\(OBJ\)&&null!==data\)\{<type:object>\}if\(OBJ\)VALUES;?return $/, 1, false],
    [/^if\(OBJ\)VALUES;?else\{<type:object>\}return $/, 0, false],
    [/^if\(OBJ\)\{VALUES\}else\{<type:object>\}return $/, 0, false],
  ];
  for (const [form, nullable, isObject] of objectForms) {
    if (!form.test(text)) continue;
    if (isObject) {
      if (items) return { k: 'x' };
      return { k: 'o', n: nullable, r: required, p: properties };
    }
    if (!items || names.length > 0) return { k: 'x' };
    return { k: 'm', n: nullable, i: items };
  }
  if (names.length > 0) return { k: 'x' };
  if (/^if\(!Array\.isArray\(data\)&&null!==data\)\{<type:array>\}ITEMSreturn $/.test(text))
    return { k: 'a', n: 1, i: items };
  if (/^ITEMSelse\{<type:array>\}return $/.test(text)) return { k: 'a', n: 0, i: items };
  if (items) return { k: 'x' };
  // Scalars: an optional type test, then an optional enum of strings, then nothing else.
  let kind = '*';
  let nullable = 1;
  for (const [test, type, code] of SCALAR_TESTS) {
    for (const [prefix, orNull] of [
      [`if(${test}&&null!==data){<type:${type}>}`, 1],
      [`if(${test}){<type:${type}>}`, 0],
    ]) {
      if (kind === '*' && text.startsWith(prefix)) {
        kind = code;
        nullable = orNull;
        text = text.slice(prefix.length);
      }
    }
  }
  // A minimum length alone on a non-null string, measured by the module's ucs2length (see readModule).
  let minLength;
  const lengthTest = MIN_LENGTH_ONLY_STRINGS.exec(text);
  if (lengthTest && kind === '*') {
    if (lengthTest[2] !== modules.get(file).ucs2length || lengthTest[1] !== lengthTest[3]) return { k: 'x' };
    kind = 's';
    nullable = 0;
    minLength = Number(lengthTest[1]);
    text = text.slice(lengthTest[0].length);
  }
  // A pattern on strings, as the nullable form writes it after its type test, or the whole
  // non-nullable form (type test and pattern in one if/else).
  let pattern;
  const nonNullable = PATTERN_ONLY_STRINGS.exec(text);
  const afterType = nonNullable ? undefined : PATTERN_TEST.exec(text);
  if (nonNullable && kind === '*') {
    kind = 's';
    nullable = 0;
  }
  if ((nonNullable || afterType) && kind === 's') {
    pattern = modules.get(file).patterns.get((nonNullable ?? afterType)[1]);
    if (!pattern) return { k: 'x' };
    text = text.slice((nonNullable ?? afterType)[0].length);
  }
  let format;
  const formatTest = FORMAT_TEST.exec(text);
  if (formatTest && (kind === 'i' || kind === 'f')) {
    const bound = modules.get(file).formats.get(formatTest[1]);
    if (bound !== formatTest[2]) return { k: 'x' };
    format = bound;
    text = text.slice(formatTest[0].length);
  }
  let allowed;
  const one = ENUM_ONE.exec(text);
  const many = one ? undefined : ENUM_MANY.exec(text);
  if (one) allowed = [JSON.parse(one[1])];
  else if (many)
    allowed = [...many[1].matchAll(new RegExp(`(${STRING})===data`, 'g'))].map((m) => JSON.parse(m[1]));
  if (one || many) text = text.slice((one ?? many)[0].length);
  if (text !== 'return ') return unrecognised(body);
  const extra = {
    ...(format ? { f: format } : {}),
    ...(pattern ? { pt: pattern } : {}),
    ...(minLength !== undefined ? { ml: minLength } : {}),
  };
  if (allowed) return { k: kind === '*' ? 'e' : kind, n: nullable, e: allowed, ...extra };
  return kind === '*' ? { k: '*' } : { k: kind, n: nullable, ...extra };
}

/** A function holding an anyOf: { k: "|", of: [a, b] } for the two-schema form, else cannot prove. */
function readAnyOf(body, file) {
  const match = ANY_OF_TWO.exec(body);
  return match
    ? {
        k: '|',
        of: [
          [file, match[1]],
          [file, match[2]],
        ],
      }
    : unrecognised(body);
}

/** Cannot prove; MLREADY_CRD_SHAPES_DEBUG lists the bodies so a new template can be considered. */
function unrecognised(body) {
  if (process.env.MLREADY_CRD_SHAPES_DEBUG) console.error(body.slice(0, 300));
  return { k: 'x' };
}

/** A module's validator functions (by name), its exported validate, and its requires (by local name). */
function readModule(file, modules) {
  if (modules.has(file)) return;
  const text = readFileSync(file, 'utf8');
  const localRequire = createRequire(file);
  const requires = new Map();
  for (const m of text.matchAll(new RegExp(`(${IDENT})=(?:${IDENT}\\._\\()?require\\(("[^"]+")\\)`, 'g'))) {
    const spec = JSON.parse(m[2]);
    if (!spec.includes('_schemas/')) continue;
    requires.set(m[1], localRequire.resolve(spec));
  }
  const functions = new Map();
  for (const [head, anyOf] of [
    [HEAD, false],
    [HEAD_ANY_OF, true],
  ]) {
    for (const m of text.matchAll(head)) {
      const end = text.indexOf(`${m[1]}.errors=vErrors,0===errors}`, m.index);
      if (end < 0) continue;
      functions.set(m[1], { body: text.slice(m.index + m[0].length, end), anyOf });
    }
  }
  const exported = /,validate=function (validate\d+)\(/.exec(text);
  const formats = new Map();
  const validateBinding = new RegExp(`(${IDENT})=require\\("@kubernetes-models/validate"\\)`).exec(text);
  if (validateBinding) {
    const { formats: installed } = localRequire('@kubernetes-models/validate');
    for (const m of text.matchAll(
      new RegExp(
        `(formats\\d+)=${validateBinding[1].replace('$', '\\$')}\\.formats\\.(int32|int64)[,;]`,
        'g',
      ),
    )) {
      const fn = installed?.[m[2]]?.validate;
      if (typeof fn === 'function' && FORMAT_PROBES.every((v) => fn(v) === FORMAT_SEMANTICS[m[2]](v)))
        formats.set(m[1], m[2]);
    }
  }
  // Ajv's ucs2length, as the module binds it, where it measures as the walk does.
  let ucs2length;
  const lengthBinding = new RegExp(
    `(${IDENT})=${IDENT}\\._\\(require\\("@kubernetes-models/validate/runtime/ucs2length"\\)\\)`,
  ).exec(text);
  if (lengthBinding) {
    const installed = localRequire('@kubernetes-models/validate/runtime/ucs2length');
    const fn = typeof installed?.default === 'function' ? installed.default : installed;
    if (typeof fn === 'function' && UCS2_PROBES.every((v) => fn(v) === ucs2Semantics(v)))
      ucs2length = lengthBinding[1];
  }
  // Patterns Ajv compiled as JavaScript RegExps (re2's Go syntax, new _re2…, is not read).
  const patterns = new Map();
  for (const m of text.matchAll(
    new RegExp(`(?:[,;]|let )(pattern\\d+)=RegExp\\((${STRING}),("u"|"")\\)[,;]`, 'g'),
  ))
    patterns.set(m[1], [JSON.parse(m[2]), JSON.parse(m[3])]);
  modules.set(file, { requires, functions, exported: exported?.[1], formats, patterns, ucs2length });
}

export function generateCrdShapes() {
  const modules = new Map();
  const nodes = [];
  const ids = new Map();
  const source = [];
  const versions = {};
  /** The node number of a module's function ("validate": its export), read on first use. */
  function nodeOf(file, fn) {
    readModule(file, modules);
    const module = modules.get(file);
    const name = fn === 'validate' ? module.exported : fn;
    const key = `${file}#${name}`;
    if (ids.has(key)) return ids.get(key);
    const id = nodes.length;
    ids.set(key, id);
    nodes.push(undefined);
    const code = name === undefined ? undefined : module.functions.get(name);
    const node =
      code === undefined
        ? { k: 'x' }
        : code.anyOf
          ? readAnyOf(code.body, file)
          : readBody(code.body, file, modules);
    if (node.of) node.of = node.of.map((ref) => nodeOf(...ref));
    if (node.p) for (const [prop, ref] of Object.entries(node.p)) node.p[prop] = nodeOf(...ref);
    if (node.i) node.i = nodeOf(...node.i);
    if (node.to) node.to = nodeOf(...node.to);
    nodes[id] = node;
    return id;
  }
  const kinds = {};
  for (const pkg of PACKAGES) {
    const pkgDir = join(root, 'node_modules', pkg);
    const version = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version;
    source.push(`${pkg}@${version}`);
    versions[pkg] = version;
    const directories = (dir) =>
      readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isDirectory())
        .map((entry) => entry.name)
        .sort();
    for (const group of directories(pkgDir).filter((name) => name.includes('.'))) {
      for (const version of directories(join(pkgDir, group))) {
        for (const file of readdirSync(join(pkgDir, group, version)).sort()) {
          if (!file.endsWith('.js')) continue;
          const kind = file.slice(0, -3);
          const text = readFileSync(join(pkgDir, group, version, file), 'utf8');
          // Only the class shape whose in-place validation src/manifest/kubernetes-schema.ts uses.
          const bound = new RegExp(`setValidateFunc\\)\\(${kind},(${IDENT})\\.validate\\)`).exec(text);
          const schema = bound && new RegExp(`${bound[1]}=require\\("([^"]+)"\\)`).exec(text);
          if (!schema) continue;
          const schemaFile = createRequire(join(pkgDir, group, version, file)).resolve(schema[1]);
          if (!existsSync(schemaFile)) continue;
          kinds[`${group}/${version} ${kind}`] = nodeOf(schemaFile, 'validate');
        }
      }
    }
  }
  const sorted = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1)));
  return tableText(
    {
      source: `read from the generated validators of ${source.join(', ')} by scripts/crd-shapes.mjs (MIT, kubernetes-models)`,
      /** The walk stands in for a validator only of the version read here (see crdTableRoot). */
      packages: versions,
      kinds: sorted,
    },
    'nodes',
    nodes,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generateCrdShapes();
  if (process.argv.includes('--check')) {
    if (!existsSync(OUT) || readFileSync(OUT, 'utf8') !== text) {
      console.error(`${relative(root, OUT)} is stale: run node scripts/crd-shapes.mjs`);
      process.exit(1);
    }
  } else {
    writeFileSync(OUT, text);
    const parsed = JSON.parse(text);
    const unknown = parsed.nodes.filter((n) => n.k === 'x').length;
    console.log(
      `wrote ${Object.keys(parsed.kinds).length} kinds, ${parsed.nodes.length} nodes (${unknown} cannot prove)`,
    );
  }
}
