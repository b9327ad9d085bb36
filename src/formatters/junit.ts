import type { Finding } from '../check/result.js';
import type { Formatter } from './formatter.js';

/**
 * JUnit XML: a test suite per file, a failing test case per finding, a passing one for a clean
 * file.
 */
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
      const caseName = `input${problem.line ? `:${problem.line}` : ''}`;
      const location = `${file}:${problem.line ?? 1}:${problem.column ?? 1}`;
      const errorText = xml(`${location}: ${problem.message}`);
      const error = `<error message="${xml(problem.message)}">${errorText}</error>`;
      cases.push(
        `    <testcase classname="${xml(file)}" name="${caseName}">\n      ${error}\n    </testcase>`,
      );
    }
    for (const finding of findings) cases.push(testCase(finding));
    tests += cases.length;
    failures += findings.length;
    errors += problems.length;
    const counts = `tests="${cases.length}" failures="${findings.length}" errors="${problems.length}"`;
    suites.push(`  <testsuite name="${xml(file)}" ${counts}>\n${cases.join('\n')}\n  </testsuite>`);
  }
  if (suites.length === 0) {
    tests = 1;
    const summary = `${result.summary.objects} objects in ${result.summary.files} files: no findings`;
    const passingCase = `    <testcase classname="mlready" name="${summary}"/>`;
    suites.push(
      `  <testsuite name="mlready check" tests="1" failures="0" errors="0">\n${passingCase}\n  </testsuite>`,
    );
  }
  const declaration = '<?xml version="1.0" encoding="UTF-8"?>';
  const totals = `tests="${tests}" failures="${failures}" errors="${errors}"`;
  return `${declaration}\n<testsuites name="mlready" ${totals}>\n${suites.join('\n')}\n</testsuites>\n`;
};

function testCase(finding: Finding): string {
  const name = `${finding.ruleId} ${finding.object}:${finding.line}`;
  const body = `${finding.file}:${finding.line}:${finding.column}: ${finding.message}\nfix: ${finding.fix}`;
  const message = xml(finding.message);
  const failure = `<failure message="${message}" type="${finding.severity}">${xml(body)}</failure>`;
  const classname = xml(finding.file);
  return `    <testcase classname="${classname}" name="${xml(name)}">\n      ${failure}\n    </testcase>`;
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
