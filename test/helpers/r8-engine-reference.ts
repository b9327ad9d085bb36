// The eighth round's engine before its changes, kept as the oracle the new code is compared with
// (test/r8-engine-fast-paths.test.ts). Only the functions that changed.
import type { Finding } from '../../src/check/result.js';

/** run-check.ts's sortResults for findings: a stable comparison sort with compareFindings. */
export function referenceSortFindings(findings: Finding[]): void {
  findings.sort(referenceCompareFindings);
}

function referenceCompareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

function compareText(a: string, b: string): number {
  return a === b ? 0 : (collator ??= new Intl.Collator()).compare(a, b);
}

let collator: Intl.Collator | undefined;
