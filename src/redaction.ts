/** The value that replaces a sensitive attribute's, on both ends: before export and before storage. */
export const REDACTED = '[REDACTED]';

/** Key substrings that mark a value as sensitive, matched on the key in lower case, letters and digits only. */
export const DEFAULT_REDACT_KEYS: readonly string[] = [
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'authorization',
  'cookie',
  'credential',
  'session',
  'privatekey',
  'signature',
];

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

/**
 * Tells whether a key's value must be redacted. Keys repeat from span to span, so each is
 * normalized and matched once, then remembered (bounded).
 */
export class Redactor {
  private readonly verdicts = new Map<string, boolean>();

  constructor(private readonly keys: readonly string[]) {}

  isSensitive(key: string): boolean {
    if (this.keys.length === 0) return false;
    let sensitive = this.verdicts.get(key);
    if (sensitive === undefined) {
      const normalized = key.toLowerCase().replace(/[^a-z0-9]/g, '');
      sensitive = this.keys.some((k) => normalized.includes(k));
      if (this.verdicts.size >= MAX_VERDICTS) this.verdicts.clear();
      this.verdicts.set(key, sensitive);
    }
    return sensitive;
  }
}
