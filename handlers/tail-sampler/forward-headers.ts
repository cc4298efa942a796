import { InvalidValueError, keyValues } from '../../src/config/parsers';
import { ParameterNotFoundError, readSecureString } from '../ssm-secure-string';
import type { ForwardSettings } from './config';

const READ_TIMEOUT_MS = 5000;

type Read = (name: string) => Promise<string>;

/**
 * The headers sent to the backend: HOPTRACE_FORWARD_HEADERS, then those of the SSM
 * SecureString `headersParameter` (`k=v,k=v`, values percent-encoded), which win. The
 * parameter is read once per sandbox, starting now (at init); a read that fails is tried
 * again on the next call, and until then each call rejects, so the batch is retried by
 * the stream rather than forwarded without the backend's key. A parameter that does not
 * exist means no extra headers.
 */
export function forwardHeaders(
  settings: ForwardSettings,
  read: Read = (name) =>
    readSecureString(name, { region: settings.region, endpoint: settings.ssmEndpoint, timeoutMs: READ_TIMEOUT_MS }),
): () => Promise<Record<string, string>> {
  const { headersParameter } = settings;
  if (headersParameter === undefined) return () => Promise.resolve(settings.headers);
  const readOnce = async (): Promise<Record<string, string>> => {
    try {
      const value = (await read(headersParameter)).trim();
      return { ...settings.headers, ...(value ? keyValues.parse(value) : {}) };
    } catch (error) {
      if (error instanceof ParameterNotFoundError) return settings.headers;
      // Its value holds the backend's key: the message names the parameter, never the value.
      if (error instanceof InvalidValueError) {
        throw new Error(`SSM parameter ${headersParameter} must hold ${error.rule ?? keyValues.rule}`);
      }
      const reason = (error as Error).message;
      throw new Error(`the forward headers could not be read from SSM parameter ${headersParameter}: ${reason}`, {
        cause: error,
      });
    }
  };
  let pending: Promise<Record<string, string>> | undefined = readOnce();
  // Kept from rejecting unobserved before the first call.
  pending.catch(() => undefined);
  return async () => {
    pending ??= readOnce();
    try {
      return await pending;
    } catch (error) {
      pending = undefined;
      throw error;
    }
  };
}
