import type { ErrorObject } from 'ajv';
import { describeSchemaErrors, type SchemaProblem } from './schema-errors.js';
import * as generated from './validators.generated.js';

export type SchemaName =
  | 'mlready.schema.json'
  | 'config.schema.json'
  | 'loadtest-report.schema.json'
  | 'drift-profile.schema.json'
  | 'deploy-record.schema.json';

/**
 * Validators precompiled from schemas/ by scripts/build-validators.mjs (Ajv standalone code, the
 * options allErrors, verbose, strict, allowUnionTypes and ajv-formats): nothing is compiled at
 * start-up. A test regenerates them to prove them fresh.
 */
type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

const VALIDATORS: Readonly<Record<SchemaName, Validate>> = {
  'mlready.schema.json': generated.mlready,
  'config.schema.json': generated.config,
  'loadtest-report.schema.json': generated.loadtestReport,
  'drift-profile.schema.json': generated.driftProfile,
  'deploy-record.schema.json': generated.deployRecord,
};

/** Validates `value` against one of mlready's schemas; problems come worded for a person. */
export function validateAgainst(name: SchemaName, value: unknown): SchemaProblem[] {
  const validate = VALIDATORS[name];
  if (validate(value)) return [];
  return describeSchemaErrors(validate.errors ?? [], value);
}
