#!/usr/bin/env node
// Writes schemas/kubernetes-fields.json: the fields of every built-in Kubernetes kind, with their
// types, required fields and enums, read from a real kube-apiserver's OpenAPI v3 documents.
// `mlready check` reports what `kubectl apply` (field validation Strict) and kubeconform -strict
// would: unknown fields, wrong types, bad quantities, missing required fields, values outside an enum.
//
// Run against any cluster of the Kubernetes version to describe (the project's real control plane
// kit starts one on loopback):
//   KUBECONFIG=$(../shared/k8s/up) node scripts/kubernetes-fields.mjs
// Needs kubectl on PATH.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tableText } from './table-layout.mjs';

const OUT = new URL('../schemas/kubernetes-fields.json', import.meta.url);

function raw(path) {
  return JSON.parse(execFileSync('kubectl', ['get', '--raw', path], { maxBuffer: 256 * 1024 * 1024 }));
}

const version = raw('/version');
const index = raw('/openapi/v3');
const schemas = {};
for (const path of Object.keys(index.paths).sort()) {
  if (!/^(api\/v1|apis\/[^/]+\/[^/]+)$/.test(path)) continue;
  Object.assign(schemas, raw(`/openapi/v3/${path}`).components?.schemas ?? {});
}

const refName = (ref) => ref.replace('#/components/schemas/', '');

/** Leaf types by name: what the API server parses them as. */
const LEAVES = {
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'q',
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'x',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 't',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 't',
};

/**
 * One field as a short code. One letter is a scalar: s string, i integer, n number, b boolean,
 * q quantity (500m, 2, 16Gi), x int-or-string, B base64 bytes, t time; "" anything, "*" an open
 * object (any field). Otherwise "T" is an object of type T, "[c" a list of c, "{c" a map of c.
 */
function encode(schema) {
  if (!schema || typeof schema !== 'object') return '';
  if (schema['x-kubernetes-preserve-unknown-fields']) return '*';
  if (schema['x-kubernetes-int-or-string'] || schema.format === 'int-or-string') return 'x';
  const ref = schema.$ref ?? schema.allOf?.find((s) => s.$ref)?.$ref;
  if (ref) {
    const name = refName(ref);
    if (LEAVES[name]) return LEAVES[name];
    return types[name] === undefined ? encode(schemas[name]) : name;
  }
  switch (schema.type) {
    case 'array':
      return `[${encode(schema.items)}`;
    case 'object':
      if (schema.additionalProperties) return `{${encode(schema.additionalProperties)}`;
      return schema.properties ? '' : '*';
    case 'string':
      return schema.format === 'byte' ? 'B' : schema.format === 'date-time' ? 't' : 's';
    case 'integer':
      return 'i';
    case 'number':
      return 'n';
    case 'boolean':
      return 'b';
    default:
      return '';
  }
}

const types = {};
// Types with properties are checked field by field; the rest are leaves (Quantity, Time, RawExtension).
for (const [name, schema] of Object.entries(schemas)) {
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields'] && !LEAVES[name]) types[name] = {};
}
for (const name of Object.keys(types)) {
  const schema = schemas[name];
  const fields = {};
  const enums = {};
  for (const [field, property] of Object.entries(schema.properties).sort(([a], [b]) => (a < b ? -1 : 1))) {
    fields[field] = encode(property);
    if (Array.isArray(property.enum)) enums[field] = property.enum;
  }
  types[name] = {
    f: fields,
    ...(schema.required?.length ? { r: [...schema.required].sort() } : {}),
    ...(Object.keys(enums).length ? { e: enums } : {}),
  };
}

const kinds = {};
for (const [name, schema] of Object.entries(schemas)) {
  for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
    if (!types[name] || gvk.kind.endsWith('List') || gvk.kind.endsWith('Options')) continue;
    kinds[`${gvk.group ? `${gvk.group}/` : ''}${gvk.version} ${gvk.kind}`] = name;
  }
}

const sorted = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : 1)));
writeFileSync(
  OUT,
  tableText(
    {
      source: `kube-apiserver ${version.gitVersion} /openapi/v3 (Apache-2.0, The Kubernetes Authors)`,
      kinds: sorted(kinds),
    },
    'types',
    sorted(types),
  ),
);
console.log(`wrote ${Object.keys(kinds).length} kinds, ${Object.keys(types).length} types`);
