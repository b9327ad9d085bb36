import type { Formatter } from './formatter.js';

/**
 * The whole result as JSON, with a format version for consumers. Version 2: services carry their
 * role, model servers, supporting workloads, batch jobs and what was not checked; readiness is absent
 * (with `missing`) for services without a model server, and its level may be "unknown".
 */
export const formatJson: Formatter = (result, { version }) =>
  `${JSON.stringify({ tool: 'mlready', version, formatVersion: 2, ...result }, null, 2)}\n`;
