import { readSecureString } from '../ssm-secure-string';
import { parseTenantKeys, tenantOf, type TenantKey } from './auth';
import type { IngestConfig } from './config';
import { beforeDeadline } from './deadline';
import { log } from './log';

/**
 * How long one read of the keys may take. Requests stop waiting for it at their own
 * deadline; this ends a read from an SSM that never answers, so a later request can start
 * another instead of waiting on it.
 */
const READ_TIMEOUT_MS = 2000;

/** Reads the tenants' keys from their SSM SecureString parameter, decrypted. */
export async function readTenantKeys(config: IngestConfig, parameter: string): Promise<TenantKey[]> {
  const value = await readSecureString(parameter, {
    region: config.region,
    endpoint: config.ssmEndpoint,
    timeoutMs: READ_TIMEOUT_MS,
  });
  return parseTenantKeys(value, `SSM parameter ${parameter}`);
}

/** The keys could not be checked in time: the ingest answers 503, never 401, for this. */
export class KeysUnavailableError extends Error {
  override readonly name = 'KeysUnavailableError';
}

/**
 * The tenants' keys, kept per sandbox and read again when they are older than `keysRefreshMs`,
 * or when a request presents a key they do not hold (at most once every `keysRecheckMs`, so
 * wrong keys cannot make the sandbox hammer SSM). One read at a time, shared by the
 * requests waiting for it; each waits no longer than its own deadline. A failed read keeps
 * the last keys read.
 */
export class TenantKeyCache {
  private keys: { list: readonly TenantKey[]; readAt: number } | undefined;
  private lastRead: { at: number; failed: boolean } | undefined;
  private reading: Promise<void> | undefined;

  constructor(
    private readonly read: () => Promise<TenantKey[]>,
    private readonly times: Pick<IngestConfig, 'keysRecheckMs' | 'keysRefreshMs'>,
  ) {}

  /** Starts a read now, during the cold start, rather than within the first request's deadline. */
  prefetch(): void {
    void this.startRead();
  }

  /**
   * The tenant whose key was presented, or undefined when the keys, current, do not hold it.
   * Throws KeysUnavailableError when that cannot be known by `deadlineMs`.
   */
  async tenantOf(presented: string | undefined, deadlineMs: number): Promise<string | undefined> {
    if (presented === undefined) return undefined;
    const stale = this.keys !== undefined && Date.now() - this.keys.readAt >= this.times.keysRefreshMs;
    if (this.keys === undefined || (stale && this.mayRead())) await this.readBefore(deadlineMs);
    if (this.keys === undefined) throw new KeysUnavailableError('the keys could not be read');
    const known = tenantOf(presented, this.keys.list);
    if (known !== undefined) return known;
    // Perhaps a key added since the last read.
    if (this.reading !== undefined || this.mayRead()) {
      await this.readBefore(deadlineMs);
      const added = tenantOf(presented, this.keys.list);
      if (added !== undefined) return added;
    }
    if (this.lastRead?.failed)
      throw new KeysUnavailableError('the key is not among the last keys read, and reading them again failed');
    return undefined;
  }

  private mayRead(): boolean {
    return this.lastRead === undefined || Date.now() - this.lastRead.at >= this.times.keysRecheckMs;
  }

  private async readBefore(deadlineMs: number): Promise<void> {
    try {
      await beforeDeadline(deadlineMs, Date.now, () => this.startRead());
    } catch (error) {
      throw new KeysUnavailableError('SSM did not answer before the deadline', { cause: error });
    }
  }

  private startRead(): Promise<void> {
    this.reading ??= this.readOnce().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async readOnce(): Promise<void> {
    const at = Date.now();
    try {
      this.keys = { list: await this.read(), readAt: at };
      this.lastRead = { at, failed: false };
    } catch (error) {
      this.lastRead = { at, failed: true };
      const fields = {
        error: `${(error as Error).name}: ${(error as Error).message}`,
        ...(this.keys ? { keptKeysAgeMs: at - this.keys.readAt } : {}),
      };
      log(
        'error',
        this.keys
          ? 'the API keys could not be read again; keeping the last ones read'
          : 'the API keys could not be read',
        fields,
      );
    }
  }
}
