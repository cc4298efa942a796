import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

export interface SecureStringSource {
  region: string;
  /** Where the SSM API is; set to point at a local one. Default: the region's endpoint. */
  endpoint: string | undefined;
  /** How long the read may take before it is given up. */
  timeoutMs: number;
}

/** The parameter does not exist (a secret that is optional may be absent). */
export class ParameterNotFoundError extends Error {
  override readonly name = 'ParameterNotFoundError';
}

/**
 * The decrypted value of an SSM SecureString: how the handlers' secrets (the ingest's
 * tenant keys, the tail sampler's backend headers) reach them, never through an
 * environment variable or the template. Anything but a SecureString is refused: a secret
 * stored in plain text must be stored again.
 */
export async function readSecureString(name: string, source: SecureStringSource): Promise<string> {
  const ssm = new SSMClient({
    region: source.region,
    ...(source.endpoint ? { endpoint: source.endpoint } : {}),
    // Callers try again later; retrying here would only outlast their deadlines.
    maxAttempts: 1,
  });
  try {
    const { Parameter } = await ssm.send(new GetParameterCommand({ Name: name, WithDecryption: true }), {
      abortSignal: AbortSignal.timeout(source.timeoutMs),
    });
    if (Parameter?.Type !== 'SecureString')
      throw new Error(`SSM parameter ${name} must be a SecureString, not ${Parameter?.Type ?? 'missing'}`);
    return Parameter.Value ?? '';
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') {
      throw new ParameterNotFoundError(`SSM parameter ${name} does not exist`, { cause: error });
    }
    throw error;
  } finally {
    ssm.destroy();
  }
}
