/** The value that replaces a sensitive attribute's, on both ends: before export and before storage. */
export const REDACTED = '[REDACTED]';

/**
 * Words (or runs of words, written together) that mark a key as sensitive. A key is split
 * into words at punctuation and case changes, and matches when consecutive words spell an
 * entry: `x-api-key`, `apiKey` and `API_KEY` spell `apikey`; `aws_access_key_id` holds
 * `accesskey`. Whole words only: `author` is not `auth`, `input_tokens` is not `token`, and
 * `session.id` is no secret.
 */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'token',
  'auth',
  'authorization',
  'apikey',
  'accesskey',
  'privatekey',
  'connectionstring',
  'cookie',
  'credential',
  'credentials',
  'jwt',
  'signature',
];

// Query and form parameters that carry credentials under names no key would use.
const SENSITIVE_PARAMETERS = new Set(['sig', 'code', 'key']);

const MAX_VERDICTS = 10_000;

/** `HOPTRACE_REDACT_KEYS`: a comma-separated list, or `none`; unset means the defaults. */
export function parseRedactKeys(value: string | undefined): readonly string[] {
  const raw = value?.trim();
  if (raw === undefined || raw === '') return DEFAULT_REDACT_KEYS;
  if (raw.toLowerCase() === 'none') return [];
  return raw
    .split(',')
    .map((k) => k.toLowerCase().replace(/[^a-z0-9]/g, ''))
    .filter(Boolean);
}

// Credentials by their shape, wherever they appear in a value. Each keeps what locates the
// secret (a scheme, a path, a parameter name) and replaces the secret alone. The first
// entry is a cheap test: most values hold none of them, and a value pays only for the
// shapes it may hold. Built at the first scrub, not at init: creating these expressions was
// ~0.1 M instructions of every cold start (bench: init instructions).
let shapes: ReadonlyArray<[RegExp | string, RegExp, string]> | undefined;
const shapeList = (): ReadonlyArray<[RegExp | string, RegExp, string]> =>
  (shapes ??= [
    // userinfo in any URL: scheme://user:password@host
    ['@', /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]+:[^\s/?#@]+@/gi, `$1${REDACTED}:${REDACTED}@`],
    ['Bearer', /\bBearer\s+[\w.~+/-]+=*/g, `Bearer ${REDACTED}`],
    // A JSON Web Token: base64url of '{"' starts its header.
    ['eyJ', /\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, REDACTED],
    // AWS access key ids, GitHub, Slack, Stripe, Google and npm tokens.
    [
      /AKIA|ASIA|gh[pousr]_|github_pat_|xox|k_(?:live|test)_|AIza|npm_/,
      /\b(?:(?:AKIA|ASIA)[A-Z0-9]{16}\b|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{20,}|xox[abposr]-[A-Za-z0-9-]{10,}|[rs]k_(?:live|test)_[A-Za-z0-9]{16,}|AIza[\w-]{35}|npm_[A-Za-z0-9]{36})/g,
      REDACTED,
    ],
    // Tokens that are path segments: Telegram bots, Slack and Discord webhooks.
    ['/bot', /\/bot\d{5,}:[\w-]{30,}/g, `/bot${REDACTED}`],
    ['/services/', /(\/services\/)T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+/g, `$1${REDACTED}`],
    ['/webhooks/', /(\/webhooks\/\d+\/)[\w-]{20,}/g, `$1${REDACTED}`],
  ]);
// Any of the shapes above: one test for the values (most) that hold none.
let anyShape: RegExp | undefined;
const anyShapeTest = (): RegExp =>
  (anyShape ??=
    /@|Bearer|eyJ|AKIA|ASIA|gh[pousr]_|github_pat_|xox|k_(?:live|test)_|AIza|npm_|\/bot|\/services\/|\/webhooks\//);

function mayHold(text: string, gate: RegExp | string): boolean {
  return typeof gate === 'string' ? text.includes(gate) : gate.test(text);
}

const isNameChar = (c: number): boolean =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 45;
const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
// Where a value after `=` ends: the next parameter, a fragment, a separator, a quote or a space.
const isValueEnd = (c: number): boolean =>
  c === 38 || c === 35 || c === 59 || c === 44 || c === 34 || c === 39 || c === 60 || c === 62 || c <= 32;

/**
 * Replaces the values of `name=value` pairs (query strings, form bodies, connection strings,
 * log text) whose name is sensitive. A scan from each `=` rather than a regular expression,
 * which would try every letter of a URL as the start of a name.
 */
function scrubAssignments(text: string, sensitive: (name: string) => boolean): string {
  let out = '';
  let copied = 0;
  for (let eq = text.indexOf('='); eq !== -1; eq = text.indexOf('=', eq + 1)) {
    let start = eq;
    while (start > 0 && isNameChar(text.charCodeAt(start - 1))) start--;
    while (start < eq && !isLetter(text.charCodeAt(start))) start++;
    let end = eq + 1;
    while (end < text.length && !isValueEnd(text.charCodeAt(end))) end++;
    if (start === eq || end === eq + 1 || !sensitive(text.slice(start, eq))) continue;
    out += text.slice(copied, eq + 1) + REDACTED;
    copied = end;
    eq = end - 1;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Decides what is sensitive, the same way in the library and in the ingest: attribute keys
 * by word, and secrets inside values (URL query values, URL passwords, known credential
 * shapes), in attribute values, span names and status messages.
 */
export class Redactor {
  private readonly verdicts = new Map<string, boolean>();
  private readonly longest: number;

  constructor(private readonly keys: readonly string[]) {
    this.longest = Math.max(0, ...keys.map((k) => k.length));
  }

  /** Whether a key's value must be replaced whole. Keys repeat from span to span: each verdict is remembered (bounded). */
  isSensitive(key: string): boolean {
    if (this.keys.length === 0) return false;
    let sensitive = this.verdicts.get(key);
    if (sensitive === undefined) {
      sensitive = this.spellsKey(key.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g)?.map((w) => w.toLowerCase()) ?? []);
      if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.clear();
      this.verdicts.set(key, sensitive);
    }
    return sensitive;
  }

  /** The text with each secret it holds replaced; the same string when it holds none. */
  scrub(text: string): string {
    if (this.keys.length === 0) return text;
    let out = text;
    if (anyShapeTest().test(out))
      for (const [gate, shape, replacement] of shapeList())
        if (mayHold(out, gate)) out = out.replace(shape, replacement);
    if (out.includes('=')) out = scrubAssignments(out, this.isSensitiveParameter);
    if (out.includes('"'))
      // "name": "value" in JSON text (an error message quoting a request body).
      out = out.replace(/"([A-Za-z][\w.-]*)"\s*:\s*"((?:[^"\\]|\\.)*)"/g, (whole, name: string) =>
        this.isSensitiveParameter(name) ? `"${name}":"${REDACTED}"` : whole,
      );
    return out;
  }

  private readonly isSensitiveParameter = (name: string): boolean =>
    SENSITIVE_PARAMETERS.has(name.toLowerCase()) || this.isSensitive(name);

  /** True when consecutive words, written together, spell one of the keys. */
  private spellsKey(words: string[]): boolean {
    for (let i = 0; i < words.length; i++) {
      let run = '';
      for (let j = i; j < words.length && run.length < this.longest; j++) {
        run += words[j];
        if (this.keys.includes(run)) return true;
      }
    }
    return false;
  }
}
