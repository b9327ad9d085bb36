import { createRequire } from 'node:module';
import type MarkdownIt from 'markdown-it';

/** A fenced `yaml`/`yml` block of a Markdown file, with where its text sits in the file. */
export interface YamlBlock {
  text: string;
  /** 1-based line of the block's first text line in the Markdown file. */
  firstLine: number;
  /**
   * Columns removed in front of each text line (list indentation, `> ` of a quote), so a
   * position in the block maps back to the file exactly.
   */
  indents: number[];
}

const YAML_INFO = /^(?:ya?ml)(?:\s|$|\{)/i;

let markdownIt: MarkdownIt | undefined;

/**
 * The fenced YAML blocks of a Markdown text, read by markdown-it (CommonMark: fences inside lists
 * and quotes, tildes, longer fences). Loaded on first use, synchronously through require, so a
 * check without Markdown never pays for it.
 */
export function yamlBlocks(markdown: string): YamlBlock[] {
  markdownIt ??= (createRequire(import.meta.url)('markdown-it') as (options?: object) => MarkdownIt)({
    html: false,
  });
  const lines = markdown.split('\n');
  const blocks: YamlBlock[] = [];
  for (const token of markdownIt.parse(markdown, {})) {
    if (token.type !== 'fence' || !token.map || !YAML_INFO.test(token.info.trim())) continue;
    const firstLine = token.map[0] + 2; // map[0] is the 0-based line of the opening fence
    const contentLines = token.content.split('\n');
    if (contentLines.at(-1) === '') contentLines.pop();
    const indents = contentLines.map((line, i) => {
      const original = lines[firstLine - 1 + i] ?? '';
      return original.endsWith(line) ? original.length - line.length : 0;
    });
    blocks.push({ text: token.content, firstLine, indents });
  }
  return blocks;
}
