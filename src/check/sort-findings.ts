import type { Finding } from './result.js';

/**
 * Sorts findings in file, line, column, rule and message order (`compareFindings`), stable, in place.
 *
 * A run's comparison sort called compareFindings ~250 000 times on a large input, most of them in the
 * second run of a process still in unoptimized code. Here each finding gets one number instead: its
 * file's and rule's ranks (each distinct text ranked once with the collator), line and column as
 * digits of a mixed radix, and its position as the last digit, so a Float64Array sorts them natively
 * without calling back into JavaScript. Findings that differ only in their message (a run of equal
 * digits) are then ordered by it. Where the numbers could not be exact (beyond 2^53: huge files or
 * lines, or positions that are not whole numbers) the comparison sort runs as before.
 */
export function sortFindings(findings: Finding[]): void {
  const n = findings.length;
  if (n < 2) return;
  const files = new Map<string, number>();
  const rules = new Map<string, number>();
  let lines = 0;
  let columns = 0;
  // Neighbouring findings mostly share a file: the map is asked only when it changes.
  let file = '';
  for (let i = 0; i < n; i++) {
    const f = findings[i]!;
    if (f.file !== file || i === 0) files.set((file = f.file), 0);
    rules.set(f.ruleId, 0);
    const line = f.line;
    const column = f.column;
    if (!isDigit(line) || !isDigit(column)) return compareSort(findings);
    if (line >= lines) lines = line + 1;
    if (column >= columns) columns = column + 1;
  }
  const fileSpan = rank(files);
  const ruleSpan = rank(rules);
  // Every product below is at most this, so all the arithmetic is exact in a double.
  if (fileSpan * lines * columns * ruleSpan * n > MAX_EXACT) return compareSort(findings);
  const keys = new Float64Array(n);
  let fileRank = 0;
  for (let i = 0; i < n; i++) {
    const f = findings[i]!;
    if (f.file !== file || i === 0) fileRank = files.get((file = f.file))!;
    const digits = ((fileRank * lines + f.line) * columns + f.column) * ruleSpan + rules.get(f.ruleId)!;
    keys[i] = digits * n + i;
  }
  keys.sort();
  const unsorted = findings.slice();
  let runStart = 0;
  let runDigits = -1;
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    // `%` of two doubles is exact, so the position and the digits come back unchanged.
    const i = key % n;
    const digits = (key - i) / n;
    findings[k] = unsorted[i]!;
    if (digits !== runDigits) {
      if (k - runStart > 1) sortByMessage(findings, runStart, k);
      runStart = k;
      runDigits = digits;
    }
  }
  if (n - runStart > 1) sortByMessage(findings, runStart, n);
}

/** 2^53: integers up to it are exact doubles. */
const MAX_EXACT = 2 ** 53;

/** A line or column the mixed radix can hold: a whole number, not negative. */
function isDigit(value: number): boolean {
  return value >= 0 && value <= MAX_EXACT && Math.floor(value) === value;
}

/**
 * Gives each text its rank in collator order (texts the collator finds equal share one); returns how
 * many ranks there are.
 */
function rank(texts: Map<string, number>): number {
  const sorted = [...texts.keys()].sort(compareText);
  let at = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && compareText(sorted[i - 1]!, sorted[i]!) !== 0) at++;
    texts.set(sorted[i]!, at);
  }
  return at + 1;
}

/** Findings [from, to) share file, line, column and rule, in input order: order them by message, stably. */
function sortByMessage(findings: Finding[], from: number, to: number): void {
  const run = findings.slice(from, to).sort(compareMessages);
  for (let i = 0; i < run.length; i++) findings[from + i] = run[i]!;
}

function compareMessages(a: Finding, b: Finding): number {
  return compareText(a.message, b.message);
}

/** The comparison sort, for findings whose numbers would not be exact. */
function compareSort(findings: Finding[]): void {
  findings.sort(compareFindings);
}

/** The order of findings: file, line, column, rule id, message. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.ruleId, b.ruleId) ||
    compareText(a.message, b.message)
  );
}

/** localeCompare's order; equal strings (most files and rule ids of neighbouring findings) skip the collator. */
export function compareText(a: string, b: string): number {
  return a === b ? 0 : (collator ??= new Intl.Collator()).compare(a, b);
}

/**
 * One collator for every sort of the process: the same order as localeCompare, without its per-call
 * set-up; and the same compare function in every run, so the optimized sort's call target stays right
 * (a collator per run deoptimized it at each run). Made on first use: a run without findings needs none.
 */
let collator: Intl.Collator | undefined;
