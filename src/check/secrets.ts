/**
 * Recognising secret values, and never showing one. Every message that names a suspicious value
 * goes through redact(): mlready's own output must not become the leak it warns about.
 */

/** Known credential formats: the prefix is public, the rest is the secret. */
const KNOWN_FORMATS: [RegExp, string][] = [
  [/\bhf_[A-Za-z0-9]{30,}\b/, 'a Hugging Face token'],
  [/\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b/, 'an OpenAI/Anthropic-style API key'],
  [/\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/, 'an AWS access key id'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bgithub_pat_[A-Za-z0-9_]{40,}\b/, 'a GitHub token'],
  [/\bxox[abprs]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
  [/\bglpat-[A-Za-z0-9_-]{20,}\b/, 'a GitLab token'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/, 'a Google API key'],
  [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, 'a PEM private key'],
  [/\bAccountKey=[A-Za-z0-9+/]{40,}={0,2}/, 'an Azure storage account key'],
];

/** Names that say "this holds a credential". */
export const SECRET_NAME =
  /(TOKEN|API[-_]?KEY|ACCESS[-_]?KEY|SECRET|PASSWORD|PASSWD|PWD|CREDENTIAL|PRIVATE[-_]?KEY|AUTH)/i;
/** Names that contain a secret word but hold no secret. */
const HARMLESS_NAME =
  /(_FILE|_PATH|_DIR|_NAME|_ID|_URL|_ENDPOINT|_HEADER|_REF|_ARN|TOKENIZER|TOKENS|KEY_?(NAME|ID|FILE)|PUBLIC_?KEY|TOKEN_?(TYPE|TTL|EXPIRY))$/i;

/** Query parameters that carry a credential (AWS/GCS/Azure signed URLs included). */
export const SECRET_QUERY_PARAM =
  /^(?:access_?token|api[_-]?key|apikey|auth|authorization|client_?secret|code|credential|id_token|key|pass(?:word|wd)?|private_?token|refresh_token|secret|session_?token|sig|signature|token|x-amz-credential|x-amz-security-token|x-amz-signature|x-goog-credential|x-goog-signature)$/i;

const KNOWN_PREFIX = /hf_|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|glpat-|AIza|PRIVATE KEY/;

/**
 * A cheap test that rules out most text before detectSecret runs: no secret name, shorter than any
 * known format or high-entropy token (20 characters), no known prefix, no URL credentials.
 */
export function mightHoldSecret(value: string, name?: string): boolean {
  if (name !== undefined && SECRET_NAME.test(name)) return true;
  return value.length >= 20 || KNOWN_PREFIX.test(value) || value.includes('@') || value.includes('?');
}

/** The same for a bare token (no name): a known prefix, or long with upper, lower and digits. */
export function mightBeToken(token: string): boolean {
  return (
    KNOWN_PREFIX.test(token) ||
    (token.length >= 24 && /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token))
  );
}

export interface SecretMatch {
  /** What it looks like: "a Hugging Face token", "a high-entropy string", "a literal value of PASSWORD". */
  kind: string;
  /** The value, redacted: "hf_****ab12". */
  redacted: string;
}

/** Does this literal value look like a secret? `name` is the env var or key it is assigned to. */
export function detectSecret(value: string, name?: string): SecretMatch | undefined {
  if (cannotHoldSecret(value, name)) return undefined;
  const trimmed = value.trim();
  if (trimmed === '' || isReference(trimmed)) return undefined;
  for (const [pattern, kind] of KNOWN_FORMATS) {
    const match = pattern.exec(trimmed);
    if (match) return { kind, redacted: redact(kind === 'a PEM private key' ? trimmed : match[0]) };
  }
  const inUrl = secretInUrl(trimmed);
  if (inUrl) return inUrl;
  if (
    name &&
    SECRET_NAME.test(name) &&
    !HARMLESS_NAME.test(name) &&
    trimmed.length >= 6 &&
    !/^(true|false|yes|no|none|null|changeme|\d+)$/i.test(trimmed)
  ) {
    return { kind: `a literal value for ${name}`, redacted: redact(trimmed) };
  }
  if (looksHighEntropy(trimmed)) return { kind: 'a high-entropy string', redacted: redact(trimmed) };
  return undefined;
}

/**
 * The shortest value any of detectSecret's tests can flag without a name: the shortest known format
 * (a Slack token, `xox?-` and 10 more) is 15 characters, a high-entropy string 24.
 */
const SHORTEST_UNNAMED_SECRET = 15;

/**
 * True only where detectSecret(value, name) finds nothing, decided without its regular expressions:
 * a value shorter than any known format or high-entropy token, without the `@` or `?` a URL needs to
 * carry a credential, assigned to no name that says "credential". Most values of a manifest (names,
 * ports, paths, quantities) end here. Exact, not a heuristic: test/secrets-fast-reject.test.ts compares
 * it with detectSecret.
 */
export function cannotHoldSecret(value: string, name?: string): boolean {
  return (
    value.length < SHORTEST_UNNAMED_SECRET &&
    !value.includes('@') &&
    !value.includes('?') &&
    (name === undefined || !SECRET_NAME.test(name))
  );
}

/**
 * "hf_****ab12": keep a known prefix and the last four characters, hide the rest. The tail is kept
 * only when it is plain letters and digits, so a masked value never ends inside an escape sequence.
 */
export function redact(value: string): string {
  if (value.includes('PRIVATE KEY')) return '-----BEGIN PRIVATE KEY----- ****';
  const prefix =
    /^(hf_|sk-proj-|sk-ant-|sk-|AKIA|ASIA|gh[pousr]_|github_pat_|xox[abprs]-|glpat-|AIza)/.exec(value)?.[0] ??
    '';
  if (value.length <= prefix.length + 8) return `${prefix}****`;
  const tail = value.slice(-4);
  return /^[A-Za-z0-9]{4}$/.test(tail) ? `${prefix}****${tail}` : `${prefix}****`;
}

/**
 * `postgres://user:password@host/db` and `…?api_key=…` (also a bare path such as a probe's
 * `/ready?token=…`): a URL that carries its own credential.
 */
function secretInUrl(value: string): SecretMatch | undefined {
  if (/\s/.test(value)) return undefined;
  const userinfo = /^[a-z][a-z0-9+.-]*:\/\/([^/?#@]*)@/i.exec(value)?.[1];
  const password = userinfo?.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : undefined;
  if (password && !isReference(password) && !/^\$/.test(password))
    return { kind: 'a password in a connection URL', redacted: maskUrl(value) };
  const query = /^[^?#]*\?([^#]*)/.exec(value)?.[1];
  for (const pair of query?.split('&') ?? []) {
    const [key = '', param = ''] = pair.split('=');
    if (SECRET_QUERY_PARAM.test(key) && param !== '' && !isReference(param) && !/^\$/.test(param))
      return { kind: `a credential in the URL parameter ${key}`, redacted: maskUrl(value) };
  }
  return undefined;
}

/** The URL with its password and credential parameters replaced by ****. */
function maskUrl(value: string): string {
  return value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@:]*):[^/?#@]*@/i, '$1$2:****@')
    .replace(/([?&])([^=&#]+)=([^&#]*)/g, (whole, sep: string, key: string, param: string) =>
      SECRET_QUERY_PARAM.test(key) && param !== '' ? `${sep}${key}=****` : whole,
    );
}

/** ${VAR}, $(VAR), {{ .Values.x }}, vault: and secret-manager references are not literals. */
function isReference(value: string): boolean {
  // $VAR is an unrendered envsubst placeholder: no-unrendered-placeholder reports it, and it holds no secret.
  return /^\$\{[^}]+\}$|^\$\([^)]+\)$|^\$[A-Za-z_]\w*$|^\{\{.*\}\}$|^(vault|secretsmanager|ssm|gcpsm|azkv|ref\+\w+):/i.test(
    value,
  );
}

/**
 * Long, random-looking tokens: 24+ characters of one "word" with mixed classes and a Shannon
 * entropy above 4 bits per character. URLs, paths, image references and UUIDs are not flagged.
 */
export function looksHighEntropy(value: string): boolean {
  if (value.length < 24 || /\s/.test(value)) return false;
  if (
    /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ||
    value.includes('/') ||
    /^[0-9a-f-]{36}$/i.test(value) ||
    /^[0-9a-f]{40}$/.test(value) ||
    /^sha256:/.test(value)
  )
    return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((r) => r.test(value)).length;
  if (classes < 3) return false;
  return shannonEntropy(value) > 4;
}

export function shannonEntropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let entropy = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

/**
 * Settings in a config file that hold a credential: `requirepass x`, `password: x`,
 * `"api_key": "x"`, `secret_key = x` (Redis, YAML, JSON, INI, .properties).
 */
const CONFIG_SETTING =
  /^\s*["']?([A-Za-z][\w.-]*)["']?\s*(?:[:=]\s*|\s+)["']?([^"'\s#;,]+)["']?\s*[,;]?\s*(?:#.*)?$/;
const CONFIG_SECRET_NAME =
  /^(requirepass|masterauth|password|passwd|pass|secret|secret_?key|api_?key|access_?key|auth_?token|token|client_?secret|aws_secret_access_key|private_?key)$/i;

/**
 * A credential inside a config file held as one value (a ConfigMap key holding redis.conf or an
 * application.yaml): a setting named like a password with a literal value, or any line that holds a
 * known format or a URL with a password. The 1-based line inside the value, with the match.
 */
export function detectSecretInConfigText(
  text: string,
): (SecretMatch & { line: number; name?: string }) | undefined {
  if (!text.includes('\n')) return undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*(#|\/\/|;)/.test(line)) continue;
    const setting = CONFIG_SETTING.exec(line);
    if (setting && CONFIG_SECRET_NAME.test(setting[1]!.split('.').pop()!)) {
      const value = setting[2]!;
      if (value.length >= 4 && !isReference(value) && !/^(true|false|yes|no|none|null|""|'')$/i.test(value))
        return {
          kind: `a literal value for ${setting[1]!}`,
          redacted: redact(value),
          line: i + 1,
          name: setting[1],
        };
    }
    for (const token of line.split(/[\s"',]+/).filter(Boolean)) {
      const match = KNOWN_FORMATS.find(([pattern]) => pattern.test(token))
        ? detectSecret(token)
        : secretInUrl(token);
      if (match) return { ...match, line: i + 1 };
    }
  }
  return undefined;
}
