#!/usr/bin/env node
// Writes schemas/kubernetes-fields.json: the fields every built-in Kubernetes kind accepts, read
// from a real kube-apiserver's OpenAPI v3 documents. `mlready check` reports a field not listed
// there as an unknown field, as `kubectl apply` (field validation Strict) and kubeconform -strict do.
//
// Run against any cluster of the Kubernetes version to describe (the project's real control plane
// kit starts one on loopback):
//   KUBECONFIG=$(../shared/k8s/up) node scripts/kubernetes-fields.mjs
// Needs kubectl on PATH. Types, enums and formats come from kubernetes-models; this file only
// holds the field names and the type each field refers to.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

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

/**
 * One field as a short code: "" a scalar or anything not checked further, "*" open (any field),
 * "T" an object of type T, "[T" a list of T, "{T" a map whose values are T.
 */
function encode(schema) {
  if (!schema || typeof schema !== 'object') return '';
  if (schema['x-kubernetes-preserve-unknown-fields']) return '*';
  const ref = schema.$ref ?? schema.allOf?.find((s) => s.$ref)?.$ref;
  if (ref) return types[refName(ref)] === undefined ? '' : refName(ref);
  if (schema.type === 'array') {
    const item = encode(schema.items);
    return item === '' || item === '*' ? item : `[${item}`;
  }
  if (schema.type === 'object' && schema.additionalProperties) {
    const value = encode(schema.additionalProperties);
    return value === '' || value === '*' ? '' : `{${value}`;
  }
  if (schema.type === 'object' && !schema.properties) return '*';
  return '';
}

const types = {};
// Types with properties are checked; the rest (Quantity, IntOrString, RawExtension, Time) are leaves.
for (const [name, schema] of Object.entries(schemas)) {
  if (schema.properties && !schema['x-kubernetes-preserve-unknown-fields']) types[name] = {};
}
for (const name of Object.keys(types)) {
  const fields = {};
  for (const [field, schema] of Object.entries(schemas[name].properties).sort(([a], [b]) => (a < b ? -1 : 1)))
    fields[field] = encode(schema);
  types[name] = fields;
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
  `${JSON.stringify({
    source: `kube-apiserver ${version.gitVersion} /openapi/v3 (Apache-2.0, The Kubernetes Authors)`,
    kinds: sorted(kinds),
    types: sorted(types),
  })}\n`,
);
console.log(`wrote ${Object.keys(kinds).length} kinds, ${Object.keys(types).length} types`);
