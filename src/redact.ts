/**
 * The one redaction gate: every text that leaves mlready (terminal output, reports, saved files,
 * logs, error messages, `--debug`) passes through redactText. It knows credentials by key
 * (`password=…`, `API_KEY: …`, `Authorization: Bearer …`) and by shape (known token formats,
 * `user:password@` in URLs, credential-looking query parameters, high-entropy tokens).
 * client-go masks its debug output the same way (transport/round_trippers.go, maskValue).
 */
import { detectSecret, mightBeToken, mightHoldSecret, redact, SECRET_QUERY_PARAM } from './check/secrets.js';

const MASK = '****';

/** `scheme://user:password@host/path?token=…` with the password and credential parameters masked. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@\s]*)@/i, (_whole, scheme: string, userinfo: string) => {
      const colon = userinfo.indexOf(':');
      return colon === -1 ? `${scheme}${MASK}@` : `${scheme}${userinfo.slice(0, colon)}:${MASK}@`;
    })
    .replace(/([?&#;])([^=&#\s]+)=([^&#\s]*)/g, (whole, sep: string, key: string, value: string) =>
      SECRET_QUERY_PARAM.test(decodeSafely(key)) && value !== '' ? `${sep}${key}=${MASK}` : whole,
    );
}

/**
 * Free text with every secret-looking token redacted: URLs with credentials, `Authorization`
 * headers, `NAME=value` / `name: value` pairs whose name says secret, and known token shapes.
 */
export function redactText(text: string): string {
  // No pattern of redactLine crosses a line, so lines without a hint of a credential are skipped
  // whole: the gate costs little on the large reports `check` writes (bench/redact.js).
  let out = '';
  let start = 0;
  while (start <= text.length) {
    const newline = text.indexOf('\n', start);
    const end = newline === -1 ? text.length : newline;
    const line = text.slice(start, end);
    out += mightHoldSecretLine(line) ? redactLine(line) : line;
    if (newline === -1) break;
    out += '\n';
    start = newline + 1;
  }
  return out;
}

/** Names and schemes that redactLine acts on even in short values. */
const SECRET_HINT = /bearer|basic|token|key|secret|passw|pwd|credential|auth/i;
/** Prefixes of the known token formats (src/check/secrets.ts). */
const TOKEN_PREFIX = /hf_|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|glpat-|AIza|PRIVATE KEY/;

/** Characters no masked token or value runs across (see the patterns of redactLine), and `/`. */
const DELIMITERS = new Set([...' \t"\'<>`,=:\\/'].map((c) => c.charCodeAt(0)));

/**
 * Whether redactLine could change the line: URL credentials (`@`, `?`), a run of 24 characters
 * with upper and lower case and digits (high entropy), a known token prefix, or a secret-looking
 * name. A cheap scan, so the lines of a large report that hold none of these are copied as they are.
 */
function mightHoldSecretLine(line: string): boolean {
  let run = 0;
  let classes = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 64 /* @ */ || c === 63 /* ? */) return true;
    if (DELIMITERS.has(c)) {
      run = 0;
      classes = 0;
      continue;
    }
    run++;
    if (c >= 65 && c <= 90) classes |= 1;
    else if (c >= 97 && c <= 122) classes |= 2;
    else if (c >= 48 && c <= 57) classes |= 4;
    if (run >= 24 && classes === 7) return true;
  }
  return SECRET_HINT.test(line) || TOKEN_PREFIX.test(line);
}

/** One line, every pattern; redactText skips the lines this could not change. Exported for its test. */
export function redactLine(text: string): string {
  // Matches never span a quote, a backslash or an angle bracket, so masking inside JSON, XML or
  // YAML output never breaks an escape sequence or a tag; redact() keeps only a plain tail.
  const headersMasked = text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]+/gi, (url) => redactUrl(url))
    .replace(/\b(Bearer[ \t]+)([A-Za-z0-9._~+/=-]{6,})/g, (_whole, scheme: string) => `${scheme}${MASK}`)
    .replace(
      /\b(Basic[ \t]+)([A-Za-z0-9+/]*[0-9+/=][A-Za-z0-9+/]*={0,2})(?![\w])/g,
      (whole, scheme: string, value: string) => (value.length >= 8 ? `${scheme}${MASK}` : whole),
    );
  // Known formats are 20 characters or more, high-entropy tokens 24. The lookbehind starts a match
  // only where a run of token characters starts, which keeps the scan linear.
  return maskSecretPairs(headersMasked).replace(/(?<![^\s"'<>`,=:\\])[^\s"'<>`,=:\\]{20,}/g, (token) =>
    token.includes(MASK) || !mightBeToken(token) ? token : (detectSecret(token)?.redacted ?? token),
  );
}

/**
 * `NAME=value`, `name: value` and `"name": "value"` pairs. Not a path's last segment: "/etc/passwd:
 * ENOTDIR".
 */
const PAIR = /(?<![\w./\\-])(["']?)([A-Za-z_][\w.-]*)\1([ \t]*[=:][ \t]*)(["']?)([^\s"'<>`,\\]+)/g;

/** Masks the values of pairs whose name says secret; a value that is not one is scanned again for pairs. */
function maskSecretPairs(text: string): string {
  const pair = new RegExp(PAIR.source, 'g');
  let out = '';
  let copied = 0;
  for (let m = pair.exec(text); m !== null; m = pair.exec(text)) {
    const [whole, keyQuote = '', name = '', sep = '', quote = '', value = ''] = m;
    const skip =
      value.includes(MASK) || /^(Bearer|Basic)$/.test(value) || /^[a-z][a-z0-9+.-]*:\/\//i.test(value);
    const found = skip || !mightHoldSecret(value, name) ? undefined : detectSecret(value, name);
    if (!found) {
      pair.lastIndex = m.index + whole.length - value.length;
      continue;
    }
    out += `${text.slice(copied, m.index)}${keyQuote}${name}${keyQuote}${sep}${quote}${found.redacted}`;
    copied = m.index + whole.length;
  }
  return out + text.slice(copied);
}

export { redact };

function decodeSafely(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
