/**
 * Placeholders people leave in manifests copied from guides and templates: `${VAR}` and `$VAR`
 * (envsubst), `{docker_username}` (Python format strings), `<your-registry>`, `<PROJECT_ID>` and
 * `REPLACE_WITH_TOKEN` (documentation), `{{ .Values.x }}` (an unrendered template). Kubernetes
 * takes each literally.
 */
const PLACEHOLDER_PATTERNS: readonly RegExp[] = [
  /\$\{[A-Za-z_][A-Za-z0-9_]*(?:[:?+-][^}]*)?\}/,
  /(?<![$\w\\])\$[A-Z_][A-Z0-9_]*\b(?!\()/,
  /\{\{[^}]*\}\}/,
  /<(?:your|my|insert|replace|enter)[-_ ][^<>\s]*>|<[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+>/,
  /(?<![{$%])\{[a-z][a-z0-9]*_[a-z0-9_]+\}(?!\})/,
  /\b(?:REPLACE_WITH_[A-Z0-9_]+|REPLACE_ME|CHANGE_ME)\b/,
];

const MAYBE_PLACEHOLDER = /[$<{]|REPLACE_|CHANGE_ME/;

/** The first placeholder in `text`, or undefined. */
export function findPlaceholder(text: string): string | undefined {
  // Every pattern needs one of these: most values are skipped after one scan instead of six.
  if (!MAYBE_PLACEHOLDER.test(text)) return undefined;
  let first: { index: number; match: string } | undefined;
  for (const pattern of PLACEHOLDER_PATTERNS) {
    const match = pattern.exec(text);
    if (match && (first === undefined || match.index < first.index))
      first = { index: match.index, match: match[0] };
  }
  return first?.match;
}
