import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** The key a request presents: `x-api-key`, or `Authorization: Bearer <key>`. */
export function presentedKey(headers: Record<string, string>): string | undefined {
  const header = headers['x-api-key'];
  if (header) return header;
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1]?.trim();
}

/**
 * Compares in constant time: both sides are hashed to equal-length digests, and every
 * configured key is compared whatever matched, so timing tells nothing about a key.
 */
export function isAuthorized(presented: string | undefined, keys: readonly string[]): boolean {
  if (presented === undefined) return false;
  const given = digest(presented);
  let match = false;
  for (const key of keys) match = timingSafeEqual(given, digest(key)) || match;
  return match;
}
