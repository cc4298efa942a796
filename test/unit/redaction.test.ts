import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/options';
import { DEFAULT_REDACT_KEYS, parseRedactKeys, Redactor } from '../../src/redaction';

describe('redaction', () => {
  it('matches key substrings whatever the case and punctuation', () => {
    const r = new Redactor(DEFAULT_REDACT_KEYS);
    for (const key of ['password', 'DB_PASSWORD', 'x-api-key', 'apiKey', 'http.request.header.authorization', 'Set-Cookie', 'aws.secret_access_key', 'refresh_token', 'user.session.id', 'ssh.privateKey', 'x-amz-signature']) {
      expect(r.isSensitive(key)).toBe(true);
    }
    for (const key of ['http.route', 'user.id', 'order.total', 'author', 'db.system']) expect(r.isSensitive(key)).toBe(false);
  });

  it('reads HOPTRACE_REDACT_KEYS: a list, none, or the defaults', () => {
    expect(parseRedactKeys(undefined)).toBe(DEFAULT_REDACT_KEYS);
    expect(parseRedactKeys(' none ')).toEqual([]);
    expect(parseRedactKeys('Card-Number, ssn')).toEqual(['cardnumber', 'ssn']);
  });

  it('is on by default in the wrapper, and an empty option turns it off', () => {
    expect(resolveConfig({}, {}).redactKeys).toBe(DEFAULT_REDACT_KEYS);
    expect(resolveConfig({ redactKeys: [] }, {}).redactKeys).toEqual([]);
    expect(resolveConfig({ redactKeys: ['pin'] }, { HOPTRACE_REDACT_KEYS: 'none' }).redactKeys).toEqual(['pin']);
  });

  it('forgets verdicts past its bound rather than grow without end', () => {
    const r = new Redactor(['secret']);
    for (let i = 0; i < 25_000; i++) r.isSensitive(`key.${i}`);
    expect(r.isSensitive('my.secret')).toBe(true);
  });
});
