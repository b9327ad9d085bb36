import type { Formatter } from './formatter.js';

/** The whole result as JSON, with a format version for consumers. */
export const formatJson: Formatter = (result, { version }) =>
  `${JSON.stringify({ tool: 'mlready', version, formatVersion: 1, ...result }, null, 2)}\n`;
