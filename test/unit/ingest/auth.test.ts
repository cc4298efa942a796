import { describe, expect, it } from 'vitest';
import { isAuthorized, presentedKey } from '../../../handlers/ingest/auth';

const KEYS = ['k-1234567890abcdef', 'k-second'];

describe('API key auth', () => {
  it('reads x-api-key or a Bearer token', () => {
    expect(presentedKey({ 'x-api-key': 'a' })).toBe('a');
    expect(presentedKey({ authorization: 'Bearer b ' })).toBe('b');
    expect(presentedKey({ authorization: 'Basic xyz' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });

  it('accepts any configured key and nothing else', () => {
    expect(isAuthorized('k-1234567890abcdef', KEYS)).toBe(true);
    expect(isAuthorized('k-second', KEYS)).toBe(true);
    expect(isAuthorized(undefined, KEYS)).toBe(false);
    expect(isAuthorized('', KEYS)).toBe(false);
    expect(isAuthorized('k-1234567890abcdeF', KEYS)).toBe(false);
    expect(isAuthorized('k-1234567890abcde', KEYS)).toBe(false);
    expect(isAuthorized('x'.repeat(100_000), KEYS)).toBe(false);
  });
});
