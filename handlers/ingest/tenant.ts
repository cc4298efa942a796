import { HoptraceAttribute } from '../../src/otlp/hoptrace-attributes';
import { keepTenantOnResource } from '../../src/otlp/stream-record';
import type { ResourceGroup } from '../../src/otlp/types';

/** The tenant of every request when auth is off (local use). */
export const ANONYMOUS_TENANT = 'anonymous';

/**
 * Stamps the key's tenant on every resource, replacing whatever the client sent under that
 * key, and removes it from scope, span, event and link attributes: a key holder cannot write
 * as another tenant at any level, and readers find the tenant in one place.
 */
export function stampTenant(groups: ResourceGroup[], tenant: string): void {
  for (const group of groups) {
    const attributes = (group.resource.attributes ?? []).filter((kv) => kv.key !== HoptraceAttribute.Tenant);
    attributes.push({ key: HoptraceAttribute.Tenant, value: { stringValue: tenant } });
    group.resource.attributes = attributes;
    keepTenantOnResource(group.scopes);
  }
}
