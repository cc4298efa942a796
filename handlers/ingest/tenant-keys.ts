import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { parseTenantKeys, type TenantKey } from './auth';
import type { IngestConfig } from './config';

/** Reads the tenants' keys from their SSM SecureString parameter, decrypted. */
export async function readTenantKeys(config: IngestConfig, parameter: string): Promise<TenantKey[]> {
  const ssm = new SSMClient({ region: config.region, ...(config.ssmEndpoint ? { endpoint: config.ssmEndpoint } : {}) });
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: parameter, WithDecryption: true }));
    if (Parameter?.Type !== 'SecureString') throw new Error(`SSM parameter ${parameter} must be a SecureString, not ${Parameter?.Type ?? 'missing'}`);
    return parseTenantKeys(Parameter.Value ?? '', `SSM parameter ${parameter}`);
  } finally {
    ssm.destroy();
  }
}

/**
 * The keys, read once per sandbox and kept; a failed read is not kept, so the next request
 * tries again rather than the sandbox refusing every request until it is recycled.
 */
export function cachedTenantKeys(read: () => Promise<TenantKey[]>): () => Promise<TenantKey[]> {
  let keys: Promise<TenantKey[]> | undefined;
  return () => {
    keys ??= read().catch((error: unknown) => {
      keys = undefined;
      throw error;
    });
    return keys;
  };
}
