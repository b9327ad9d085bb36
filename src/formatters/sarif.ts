import type { Finding } from '../check/result.js';
import type { Severity } from '../rules/rule.js';
import type { Formatter } from './formatter.js';

/**
 * SARIF 2.1.0 for code-scanning UIs.
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html
 * Paths stay relative, resolved against %SRCROOT%; ignored findings are results with an in-source
 * suppression.
 */
export const formatSarif: Formatter = (result, { version }) => {
  const ruleIndex = new Map(result.rules.map((rule, i) => [rule.id, i]));
  const level = (s: Severity) => (s === 'info' ? 'note' : s);
  const toResult = (finding: Finding, suppressed: boolean) => ({
    ruleId: finding.ruleId,
    ruleIndex: ruleIndex.get(finding.ruleId) ?? -1,
    level: level(finding.severity),
    message: { text: `${finding.message}. Fix: ${finding.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: encodeUri(finding.file), uriBaseId: '%SRCROOT%' },
          region: {
            startLine: finding.line,
            startColumn: finding.column,
            endLine: finding.endLine,
            endColumn: finding.endColumn,
          },
        },
        logicalLocations: [
          {
            name: finding.object,
            fullyQualifiedName: `${finding.service}/${finding.object}`,
            kind: 'object',
          },
        ],
      },
    ],
    properties: { section: finding.section, yamlPath: finding.path, service: finding.service },
    ...(suppressed
      ? { suppressions: [{ kind: 'inSource', justification: 'mlready.dev/ignore annotation' }] }
      : {}),
  });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mlready',
            version,
            semanticVersion: version,
            informationUri: 'https://github.com/mlready/mlready',
            rules: result.rules.map((rule) => ({
              id: rule.id,
              name: rule.id,
              shortDescription: { text: rule.summary },
              fullDescription: { text: rule.why },
              help: {
                text: `${rule.summary}\n\nWhy: ${rule.why}\n\nFix: ${rule.fix}`,
                markdown: `**${rule.summary}**\n\n${rule.why}\n\n**Fix:** ${rule.fix}`,
              },
              defaultConfiguration: { level: level(rule.severity) },
              properties: { section: rule.section },
            })),
          },
        },
        invocations: [
          {
            executionSuccessful: result.problems.length === 0,
            toolExecutionNotifications: result.problems.map((problem) => ({
              level: 'error',
              message: { text: problem.hint ? `${problem.message} (${problem.hint})` : problem.message },
              ...(problem.file
                ? {
                    locations: [
                      {
                        physicalLocation: {
                          artifactLocation: { uri: encodeUri(problem.file), uriBaseId: '%SRCROOT%' },
                          ...(problem.line
                            ? { region: { startLine: problem.line, startColumn: problem.column ?? 1 } }
                            : {}),
                        },
                      },
                    ],
                  }
                : {}),
            })),
          },
        ],
        results: [
          ...result.findings.map((f) => toResult(f, false)),
          ...result.suppressed.map((f) => toResult(f, true)),
        ],
        properties: {
          summary: result.summary,
          readiness: result.services.map((s) =>
            s.readiness
              ? {
                  service: s.name,
                  level: s.readiness.level,
                  title: s.readiness.title,
                  heldBackBy: s.readiness.heldBackBy,
                  sections: s.readiness.sections,
                }
              : { service: s.name, level: null, missing: s.missing },
          ),
        },
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
};

function encodeUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
