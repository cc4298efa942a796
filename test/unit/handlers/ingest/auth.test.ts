import { describe, expect, it } from 'vitest';
import { parseTenantKeys, presentedKey, tenantOf } from '../../../../handlers/ingest/auth';

const KEYS = parseTenantKeys(
  JSON.stringify({ checkout: ['k-1234567890abcdef', 'k-rotated-0123456789'], search: ['k-search-0123456789'] }),
  'test',
);

describe('API key auth', () => {
  it('reads x-api-key or a Bearer token', () => {
    expect(presentedKey({ 'x-api-key': 'a' })).toBe('a');
    expect(presentedKey({ authorization: 'Bearer b ' })).toBe('b');
    expect(presentedKey({ authorization: 'Basic xyz' })).toBeUndefined();
    expect(presentedKey({})).toBeUndefined();
  });

  it("names the tenant of any configured key, and nobody's for anything else", () => {
    expect(tenantOf('k-1234567890abcdef', KEYS)).toBe('checkout');
    expect(tenantOf('k-rotated-0123456789', KEYS)).toBe('checkout');
    expect(tenantOf('k-search-0123456789', KEYS)).toBe('search');
    expect(tenantOf(undefined, KEYS)).toBeUndefined();
    expect(tenantOf('', KEYS)).toBeUndefined();
    expect(tenantOf('k-1234567890abcdeF', KEYS)).toBeUndefined();
    expect(tenantOf('k-1234567890abcde', KEYS)).toBeUndefined();
    expect(tenantOf('x'.repeat(100_000), KEYS)).toBeUndefined();
  });

  it.each([
    ['not JSON', 'key-1,key-2', /is not JSON/],
    ['a list', '["k-1234567890abcdef"]', /JSON object of tenant name/],
    ['a tenant without keys', '{"a": []}', /non-empty list of keys/],
    ['a short key', '{"a": ["short"]}', /16 characters or more/],
    ['a bad tenant name', '{"a b": ["k-1234567890abcdef"]}', /tenant name "a b"/],
    ['one key for two tenants', '{"a": ["k-1234567890abcdef"], "b": ["k-1234567890abcdef"]}', /both "a" and "b"/],
    ['no tenants', '{}', /holds no keys/],
  ])('refuses a key document that is %s', (_label, json, message) => {
    expect(() => parseTenantKeys(json, 'SSM parameter /k')).toThrow(message);
  });
});
