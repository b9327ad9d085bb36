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
  // This function runs once per sort: in the second run of a process its loops still run unoptimized.
  // Each loop's work per finding is therefore a small method, which V8 optimizes within the first run.
  const digits = new Digits();
  for (let i = 0; i < n; i++) digits.note(findings[i]!);
  if (!digits.exact(n)) return compareSort(findings);
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) keys[i] = digits.key(findings[i]!, i, n);
  keys.sort();
  const unsorted = findings.slice();
  let runStart = 0;
  for (let k = 0; k < n; k++) {
    findings[k] = unsorted[positionOf(keys[k]!, n)]!;
    if (k > 0 && !sameDigits(keys[k - 1]!, keys[k]!, n)) {
      if (k - runStart > 1) sortByMessage(findings, runStart, k);
      runStart = k;
    }
  }
  if (n - runStart > 1) sortByMessage(findings, runStart, n);
}

/** The mixed radix of a list of findings: file rank, line, column, rule rank. */
class Digits {
  private readonly files = new Map<string, number>();
  private readonly rules = new Map<string, number>();
  private lines = 0;
  private columns = 0;
  private ruleSpan = 0;
  private whole = true;
  /**
   * The last file asked about and its rank: neighbouring findings mostly share a file. A string from
   * the start (with `known` saying whether it is one yet): compared with undefined in one run, the
   * optimized comparison deoptimized in the next ("not a String").
   */
  private file = '';
  private known = false;
  private fileRank = 0;

  /** Takes a finding's file, rule and position into account. */
  note(f: Finding): void {
    if (f.file !== this.file || !this.known) {
      this.files.set((this.file = f.file), 0);
      this.known = true;
    }
    this.rules.set(f.ruleId, 0);
    const line = f.line;
    const column = f.column;
    if (!isDigit(line) || !isDigit(column)) this.whole = false;
    else {
      if (line >= this.lines) this.lines = line + 1;
      if (column >= this.columns) this.columns = column + 1;
    }
  }

  /** Ranks the files and rules; false when n findings' keys would not be exact (or a position is not whole). */
  exact(n: number): boolean {
    if (!this.whole) return false;
    const fileSpan = rank(this.files);
    this.ruleSpan = rank(this.rules);
    this.known = false;
    // Every key is below this product, so all the arithmetic is exact in a double.
    return fileSpan * this.lines * this.columns * this.ruleSpan * n <= MAX_EXACT;
  }

  /** The finding's digits, then its position `i` (of n) as the last digit. */
  key(f: Finding, i: number, n: number): number {
    if (f.file !== this.file || !this.known) {
      this.fileRank = this.files.get((this.file = f.file))!;
      this.known = true;
    }
    const digits =
      ((this.fileRank * this.lines + f.line) * this.columns + f.column) * this.ruleSpan +
      this.rules.get(f.ruleId)!;
    return digits * n + i;
  }
}

/** A key's last digit: the finding's position before the sort. `%` of two doubles is exact. */
function positionOf(key: number, n: number): number {
  return key % n;
}

/** Do two keys have the same digits before the position (same file, line, column and rule)? */
function sameDigits(a: number, b: number, n: number): boolean {
  return a - (a % n) === b - (b % n);
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
