/**
 * The one redaction gate: every text that leaves mlready (terminal output, reports, saved files,
 * logs, error messages, `--debug`) passes through redactText. It knows credentials by key
 * (`password=…`, `API_KEY: …`, `Authorization: Bearer …`) and by shape (known token formats,
 * `user:password@` in URLs, credential-looking query parameters, high-entropy tokens).
 * client-go masks its debug output the same way (transport/round_trippers.go, maskValue).
 */
import { detectSecret, redact, SECRET_QUERY_PARAM } from './check/secrets.js';

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
  // Matches never span a quote, a backslash or an angle bracket, so masking inside JSON, XML or
  // YAML output never breaks an escape sequence or a tag; redact() keeps only a plain tail.
  const headersMasked = text
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`\\]+/gi, (url) => redactUrl(url))
    .replace(/\b(Bearer[ \t]+)([A-Za-z0-9._~+/=-]{6,})/g, (_whole, scheme: string) => `${scheme}${MASK}`)
    .replace(
      /\b(Basic[ \t]+)([A-Za-z0-9+/]*[0-9+/=][A-Za-z0-9+/]*={0,2})(?![\w])/g,
      (whole, scheme: string, value: string) => (value.length >= 8 ? `${scheme}${MASK}` : whole),
    );
  return maskSecretPairs(headersMasked).replace(/[^\s"'<>`,=:\\]{16,}/g, (token) =>
    token.includes(MASK) ? token : (detectSecret(token)?.redacted ?? token),
  );
}

/** `NAME=value`, `name: value` and `"name": "value"` pairs. Not a path's last segment: "/etc/passwd: ENOTDIR". */
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
    const found = skip ? undefined : detectSecret(value, name);
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
