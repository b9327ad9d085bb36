import type { Formatter } from './formatter.js';

/**
 * GitHub Actions workflow commands, one annotation per finding.
 * https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
export const formatGithub: Formatter = (result) => {
  const lines: string[] = [];
  for (const problem of result.problems) {
    lines.push(
      command(
        'error',
        { file: problem.file, line: problem.line, col: problem.column, title: 'mlready: input' },
        problem.message,
      ),
    );
  }
  for (const finding of result.findings) {
    const level = finding.severity === 'info' ? 'notice' : finding.severity;
    lines.push(
      command(
        level,
        {
          file: finding.file,
          line: finding.line,
          col: finding.column,
          endLine: finding.endLine,
          endColumn: finding.endColumn,
          title: `mlready: ${finding.ruleId}`,
        },
        `${finding.message}. Fix: ${finding.fix}`,
      ),
    );
  }
  const s = result.summary;
  lines.push(
    `mlready: ${s.errors} error(s), ${s.warnings} warning(s), ${s.infos} info, ${s.problems} input problem(s)`,
  );
  return `${lines.join('\n')}\n`;
};

function command(
  level: string,
  properties: Record<string, string | number | undefined>,
  message: string,
): string {
  const props = Object.entries(properties)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
    .join(',');
  return `::${level} ${props}::${escapeData(message)}`;
}

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}
