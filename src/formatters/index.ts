import type { Formatter } from './formatter.js';
import { formatGithub } from './github.js';
import { formatJson } from './json.js';
import { formatJunit } from './junit.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

/** Output formats of `mlready check`, by name; commander's .choices() reads the keys. */
export const FORMATTERS: ReadonlyMap<string, Formatter> = new Map([
  ['github', formatGithub],
  ['json', formatJson],
  ['junit', formatJunit],
  ['sarif', formatSarif],
  ['text', formatText],
]);

export type { Formatter, FormatOptions } from './formatter.js';
