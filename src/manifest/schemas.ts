import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describeSchemaErrors, type SchemaProblem } from './schema-errors.js';

/** schemas/ at the package root; the same relative place from src/ (tests) and dist/ (installed). */
const SCHEMA_DIR = new URL('../../schemas/', import.meta.url);

export type SchemaName =
  | 'mlready.schema.json'
  | 'config.schema.json'
  | 'loadtest-report.schema.json'
  | 'drift-profile.schema.json'
  | 'deploy-record.schema.json';

// ajv-formats is CommonJS; under NodeNext its plugin is the module's `default` property.
const addFormats = addFormatsModule.default;

const compiled = new Map<SchemaName, ValidateFunction>();
let ajv: Ajv2020 | undefined;

export function readSchema(name: SchemaName): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(name, SCHEMA_DIR), 'utf8')) as Record<string, unknown>;
}

function validator(name: SchemaName): ValidateFunction {
  let validate = compiled.get(name);
  if (!validate) {
    if (!ajv) {
      ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, allowUnionTypes: true });
      addFormats(ajv);
    }
    validate = ajv.compile(readSchema(name));
    compiled.set(name, validate);
  }
  return validate;
}

/** Validates `value` against one of mlready's schemas; problems come worded for a person. */
export function validateAgainst(name: SchemaName, value: unknown): SchemaProblem[] {
  const validate = validator(name);
  if (validate(value)) return [];
  return describeSchemaErrors(validate.errors ?? [], value);
}
