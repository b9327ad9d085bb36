// check/quantity.ts as it was on main (aac1549), before issue 18's eighth round: an oracle of
// test/r8-rules-b-reference.test.ts (formatBytes).
/**
 * Kubernetes resource quantities ("500m", "2", "16Gi", "1e3"): parsed to a plain number of the
 * base unit (cores, bytes, devices).
 * https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
 *
 * The grammar is `[+-]? (digits [. digits?] | . digits) (binary suffix | decimal suffix | e/E
 * exponent)?`, scanned by hand: the RegExp exec it replaced built a match array per call, and
 * several rules read every container's four CPU and memory quantities (issue 18).
 */

/** The quantity as a number of base units, or undefined when it is not a quantity. */
export function parseQuantity(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  const end = numberEnd(text);
  if (end < 0) return undefined;
  if (end === text.length) return Number(text);
  const scale = scaleOf(text, end);
  return scale < 0 ? undefined : Number(text.slice(0, end)) * scale;
}

/** Whether the text (already trimmed) is a quantity. */
export function isQuantity(text: string): boolean {
  const end = numberEnd(text);
  return end >= 0 && (end === text.length || scaleOf(text, end) >= 0);
}

/** Where the number at the start of the text ends, or -1 when it does not start with one. */
function numberEnd(text: string): number {
  let i = 0;
  let code = text.charCodeAt(0);
  if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
  const digits = i;
  while (code >= ZERO && code <= NINE) code = text.charCodeAt(++i);
  const whole = i > digits;
  if (code === DOT) {
    const fraction = ++i;
    code = text.charCodeAt(i);
    while (code >= ZERO && code <= NINE) code = text.charCodeAt(++i);
    if (!whole && i === fraction) return -1;
  } else if (!whole) return -1;
  return i;
}

/** The factor of the suffix or exponent from `end` to the end of the text, or -1 when it is neither. */
function scaleOf(text: string, end: number): number {
  const rest = text.length - end;
  const first = text.charCodeAt(end);
  if (rest === 1) {
    const decimal = DECIMAL.get(first);
    if (decimal !== undefined) return decimal;
  } else if (rest === 2 && text.charCodeAt(end + 1) === LOWER_I) {
    const binary = BINARY.get(first);
    if (binary !== undefined) return binary;
  }
  if (first !== LOWER_E && first !== UPPER_E) return -1;
  let i = end + 1;
  let code = text.charCodeAt(i);
  if (code === PLUS || code === MINUS) code = text.charCodeAt(++i);
  const digits = i;
  while (code >= ZERO && code <= NINE) code = text.charCodeAt(++i);
  if (i === digits || i !== text.length) return -1;
  return 10 ** Number(text.slice(end + 1));
}

const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_I = 105;
const LOWER_E = 101;
const UPPER_E = 69;

/** Decimal suffixes by character code. */
const DECIMAL: ReadonlyMap<number, number> = new Map([
  [110, 1e-9], // n
  [117, 1e-6], // u
  [109, 1e-3], // m
  [107, 1e3], // k
  [77, 1e6], // M
  [71, 1e9], // G
  [84, 1e12], // T
  [80, 1e15], // P
  [69, 1e18], // E
]);

/** Binary suffixes (Ki … Ei) by the character code of their first letter. */
const BINARY: ReadonlyMap<number, number> = new Map([
  [75, 2 ** 10], // Ki
  [77, 2 ** 20], // Mi
  [71, 2 ** 30], // Gi
  [84, 2 ** 40], // Ti
  [80, 2 ** 50], // Pi
  [69, 2 ** 60], // Ei
]);

/** Binary units of formatBytes, largest first. */
const BYTE_UNITS: readonly (readonly [string, number])[] = [
  ['Ti', 2 ** 40],
  ['Gi', 2 ** 30],
  ['Mi', 2 ** 20],
  ['Ki', 2 ** 10],
];

/** A byte count as a short binary quantity for messages ("16Gi", "512Mi"). */
export function formatBytes(bytes: number): string {
  for (let i = 0; i < BYTE_UNITS.length; i++) {
    const [suffix, size] = BYTE_UNITS[i]!;
    if (bytes >= size) return `${Number((bytes / size).toFixed(2))}${suffix}`;
  }
  return String(bytes);
}
