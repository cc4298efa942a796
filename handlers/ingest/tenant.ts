import type { ResourceGroup } from '../../src/otlp/types';

/** The resource attribute naming the tenant whose key sent the spans. */
export const TENANT_ATTRIBUTE = 'hoptrace.tenant';

/** The tenant of every request when auth is off (local use). */
export const ANONYMOUS_TENANT = 'anonymous';

/**
 * Stamps the tenant on every resource, replacing whatever the client sent under that key,
 * so a key holder cannot write as another tenant.
 */
export function stampTenant(groups: ResourceGroup[], tenant: string): void {
  for (const group of groups) {
    const attributes = (group.resource.attributes ?? []).filter((kv) => kv.key !== TENANT_ATTRIBUTE);
    attributes.push({ key: TENANT_ATTRIBUTE, value: { stringValue: tenant } });
    group.resource.attributes = attributes;
  }
}
