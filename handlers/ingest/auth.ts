import { createHash, timingSafeEqual } from 'node:crypto';
import { isObject } from '../../src/guards';

/** API keys and the tenant each belongs to. */
export interface TenantKey {
  tenant: string;
  digest: Buffer;
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Reads the key document: a JSON object from tenant name to that tenant's keys,
 * `{"checkout": ["key-1", "key-2"], "search": ["key-3"]}` (several keys let a tenant rotate).
 * Refuses anything else, and a key given to two tenants, so a mistake fails the cold start.
 */
export function parseTenantKeys(json: string, source: string): TenantKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${source} is not JSON: expected {"tenant": ["key", ...], ...}`);
  }
  if (!isObject(parsed)) throw new Error(`${source} must be a JSON object of tenant name to a list of keys`);
  const owners = new Map<string, string>();
  const out: TenantKey[] = [];
  for (const [tenant, keys] of Object.entries(parsed)) {
    if (!TENANT.test(tenant))
      throw new Error(`${source}: tenant name "${tenant}" must be 1-64 letters, digits, ".", "_" or "-"`);
    if (!Array.isArray(keys) || keys.length === 0)
      throw new Error(`${source}: tenant "${tenant}" needs a non-empty list of keys`);
    for (const key of keys) {
      if (typeof key !== 'string' || key.length < 16)
        throw new Error(`${source}: every key of tenant "${tenant}" must be a string of 16 characters or more`);
      const owner = owners.get(key);
      if (owner !== undefined) throw new Error(`${source}: one key is given to both "${owner}" and "${tenant}"`);
      owners.set(key, tenant);
      out.push({ tenant, digest: digest(key) });
    }
  }
  if (out.length === 0) throw new Error(`${source} holds no keys`);
  return out;
}

/** The key a request presents: `x-api-key`, or `Authorization: Bearer <key>`. */
export function presentedKey(headers: Record<string, string>): string | undefined {
  const header = headers['x-api-key'];
  if (header) return header;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim();
}

/**
 * The tenant whose key was presented, or undefined. Compares in constant time: both sides
 * are equal-length digests, and every key is compared whatever matched, so timing tells
 * nothing about a key.
 */
export function tenantOf(presented: string | undefined, keys: readonly TenantKey[]): string | undefined {
  if (presented === undefined) return undefined;
  const given = digest(presented);
  let tenant: string | undefined;
  for (const key of keys) if (timingSafeEqual(given, key.digest)) tenant = key.tenant;
  return tenant;
}
