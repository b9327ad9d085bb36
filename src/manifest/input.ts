import type { InputText } from '../check/inputs.js';
import { yamlBlocks } from './markdown.js';
import { parseYaml, subDocument, type ParsedYaml, type SourceDocument } from './yaml.js';

const DOCUMENT_LIMIT = 'maxDocuments in .mlready.yaml';

/**
 * The documents of one input: a YAML stream, or each fenced yaml/yml block of a Markdown file
 * with the Markdown file's own line numbers. Reads at most `maxDocuments` documents (what is left
 * of the run's `documentLimit`).
 */
export function parseInput(input: InputText, maxDocuments: number, documentLimit = maxDocuments): ParsedYaml {
  if (input.format !== 'markdown')
    return parseYaml(input.text, input.file, {
      maxDocuments,
      documentLimit,
      documentLimitName: DOCUMENT_LIMIT,
    });
  const out: ParsedYaml = { documents: [], problems: [], documentCount: 0 };
  for (const block of yamlBlocks(input.text)) {
    const left = maxDocuments - out.documentCount;
    const parsed = parseYaml(block.text, input.file, {
      maxDocuments: left,
      documentLimit,
      documentLimitName: DOCUMENT_LIMIT,
      mapPosition: (line, column) => ({
        line: block.firstLine + line - 1,
        column: column + (block.indents[line - 1] ?? 0),
      }),
    });
    // Documents are numbered through the whole file, not per block.
    for (const document of parsed.documents) {
      const index = out.documentCount + document.index;
      out.documents.push({
        file: document.file,
        index,
        value: document.value,
        positionOf: (path, options) => document.positionOf(path, options),
      });
    }
    out.problems.push(...parsed.problems);
    out.documentCount += parsed.documentCount;
    if (out.documentCount >= maxDocuments) break;
  }
  return out;
}

/**
 * A `kind: List` (what `kubectl get -o yaml` prints) as its items, each a document of its own
 * whose positions stay those of the item in the file. Any other document as it is.
 */
export function listItems(document: SourceDocument): SourceDocument[] {
  const value = document.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [document];
  const record = value as Record<string, unknown>;
  if (typeof record.kind !== 'string' || !record.kind.endsWith('List') || !Array.isArray(record.items))
    return [document];
  return (record.items as unknown[]).map((item, i) => subDocument(document, ['items', i], item));
}
