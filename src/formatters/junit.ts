import type { Finding } from '../check/result.js';
import type { Formatter } from './formatter.js';

/** JUnit XML: a test suite per file, a failing test case per finding, a passing one for a clean file. */
export const formatJunit: Formatter = (result) => {
  const files = new Set<string>([
    ...result.findings.map((f) => f.file),
    ...result.problems.map((p) => p.file),
  ]);
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const file of [...files].sort()) {
    const findings = result.findings.filter((f) => f.file === file);
    const problems = result.problems.filter((p) => p.file === file);
    const cases: string[] = [];
    for (const problem of problems) {
      cases.push(
        `    <testcase classname="${xml(file)}" name="input${problem.line ? `:${problem.line}` : ''}">\n      <error message="${xml(problem.message)}">${xml(`${file}:${problem.line ?? 1}:${problem.column ?? 1}: ${problem.message}`)}</error>\n    </testcase>`,
      );
    }
    for (const finding of findings) cases.push(testCase(finding));
    tests += cases.length;
    failures += findings.length;
    errors += problems.length;
    suites.push(
      `  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${findings.length}" errors="${problems.length}">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  if (suites.length === 0) {
    tests = 1;
    suites.push(
      `  <testsuite name="mlready check" tests="1" failures="0" errors="0">\n    <testcase classname="mlready" name="${result.summary.objects} objects in ${result.summary.files} files: no findings"/>\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="mlready" tests="${tests}" failures="${failures}" errors="${errors}">\n${suites.join('\n')}\n</testsuites>\n`;
};

function testCase(finding: Finding): string {
  const name = `${finding.ruleId} ${finding.object}:${finding.line}`;
  const body = `${finding.file}:${finding.line}:${finding.column}: ${finding.message}\nfix: ${finding.fix}`;
  return `    <testcase classname="${xml(finding.file)}" name="${xml(name)}">\n      <failure message="${xml(finding.message)}" type="${finding.severity}">${xml(body)}</failure>\n    </testcase>`;
}

/** XML-escapes text and attribute values; drops characters XML 1.0 cannot carry. */
function xml(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}
