import { NodeHttpHandler } from '@smithy/node-http-handler';
import { CliError } from './errors';

// What the command's AWS clients (Kinesis, Athena) share: how they are set up, and the
// failures any AWS call can meet, said in words the user can act on.

const LOOPBACK = /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])(:|\/|$)/;

export interface ClientOptions {
  endpoint?: string;
  region?: string;
}

/**
 * A client's settings. HTTP/1.1 (kinesalite speaks nothing else; the SDK's default for
 * Kinesis is HTTP/2). A loopback endpoint (kinesalite, a test's stand-in) gets placeholder
 * credentials and region when the environment has none: it checks that requests are signed,
 * not by whom.
 */
export function clientConfig(options: ClientOptions): Record<string, unknown> {
  const local = options.endpoint !== undefined && LOOPBACK.test(options.endpoint);
  const placeholder = local && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return {
    requestHandler: new NodeHttpHandler(),
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.region ? { region: options.region } : local && !process.env.AWS_REGION ? { region: 'us-east-1' } : {}),
    ...(placeholder ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
}

/** The failure any AWS call can meet (credentials, region, an endpoint not there), or undefined. */
export function commonAwsProblem(error: unknown, service: string, endpoint: string | undefined): CliError | undefined {
  const e = error as { name?: string; message?: string; code?: string };
  const cause = { cause: error };
  if (e.name === 'CredentialsProviderError' || /credential/i.test(e.message ?? ''))
    return new CliError(
      `no AWS credentials: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (${e.message})`,
      1,
      cause,
    );
  if (/region is missing/i.test(e.message ?? '')) {
    return new CliError('no AWS region: pass --region or set AWS_REGION', 1, cause);
  }
  if (e.code === 'ECONNREFUSED' || e.name === 'ECONNREFUSED' || /ECONNREFUSED/.test(e.message ?? ''))
    return new CliError(`cannot reach ${service}${endpoint ? ` at ${endpoint}` : ''}: connection refused`, 1, cause);
  return undefined;
}
