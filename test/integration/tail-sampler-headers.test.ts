import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConsumerConfig } from '../../handlers/tail-sampler/config';
import { forwardHeaders } from '../../handlers/tail-sampler/forward-headers';
import { httpForwarder } from '../../handlers/tail-sampler/forwarder';
import type { OtlpExportRequest } from '../../src/otlp/types';
import { OtlpReceiver } from '../../testing/otlp-receiver';
import { startSsmEndpoint, type SsmEndpoint } from '../../testing/ssm-endpoint';

// The backend's key reaches the tail sampler from an SSM SecureString, as the ingest's keys
// do, read by the real SSM client from a loopback SSM; never from the template.
const PARAMETER = '/hoptrace/test/forward-headers';
const REQUEST = {
  resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 'hoptrace' }, spans: [] }] }],
} as unknown as OtlpExportRequest;
let ssm: SsmEndpoint;
let receiver: OtlpReceiver;
const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };

beforeAll(async () => {
  // The SDK's credential chain reads the process's environment, as in Lambda.
  process.env.AWS_ACCESS_KEY_ID = 'test';
  process.env.AWS_SECRET_ACCESS_KEY = 'test';
  ssm = await startSsmEndpoint({});
  receiver = await OtlpReceiver.start();
});
beforeEach(() => {
  ssm.fault = undefined;
  receiver.reset();
});
afterAll(async () => {
  await receiver.close();
  await ssm.close();
  for (const [name, value] of [
    ['AWS_ACCESS_KEY_ID', saved.id],
    ['AWS_SECRET_ACCESS_KEY', saved.secret],
  ] as const) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const settings = (env: Record<string, string> = {}) =>
  readConsumerConfig({
    HOPTRACE_FORWARD_ENDPOINT: receiver.url,
    HOPTRACE_DECISION_TABLE: 't',
    HOPTRACE_FORWARD_HEADERS_PARAMETER: PARAMETER,
    HOPTRACE_SSM_ENDPOINT: ssm.url,
    AWS_REGION: 'eu-west-1',
    ...env,
  }).forward;

describe('the tail sampler’s backend headers, from an SSM SecureString', () => {
  it('sends the SecureString’s headers to the backend, over those of the environment', async () => {
    ssm.put(PARAMETER, { type: 'SecureString', value: 'x-honeycomb-team=secret,x-scope=a%3Db' });
    const forward = settings({ HOPTRACE_FORWARD_HEADERS: 'x-honeycomb-team=old,x-env=1' });
    const headers = await forwardHeaders(forward)();
    expect(headers).toEqual({ 'x-honeycomb-team': 'secret', 'x-scope': 'a=b', 'x-env': '1' });
    await httpForwarder({ ...forward, headers })(REQUEST);
    expect(receiver.requests[0]!.headers).toMatchObject({ 'x-honeycomb-team': 'secret', 'x-scope': 'a=b' });
  });

  it('reads the parameter once per sandbox, at init', async () => {
    ssm.put(PARAMETER, { type: 'SecureString', value: 'k=v' });
    const before = ssm.reads.get(PARAMETER) ?? 0;
    const headers = forwardHeaders(settings());
    await headers();
    await headers();
    expect((ssm.reads.get(PARAMETER) ?? 0) - before).toBe(1);
  });

  it('refuses a plain String parameter, so a key stored in the clear is not used', async () => {
    ssm.put(PARAMETER, { type: 'String', value: 'k=v' });
    await expect(forwardHeaders(settings())()).rejects.toThrow(
      `SSM parameter ${PARAMETER} must be a SecureString, not String`,
    );
  });

  it('refuses a parameter that is not a k=v list, naming the parameter and never its value', async () => {
    ssm.put(PARAMETER, { type: 'SecureString', value: 'x-honeycomb-team: s3cret' });
    const failed = forwardHeaders(settings())();
    const rule = 'k=v pairs, comma-separated, values percent-encoded (member 1 is not)';
    await expect(failed).rejects.toThrow(`SSM parameter ${PARAMETER} must hold ${rule}`);
    await expect(failed).rejects.not.toThrow(/s3cret/);
  });

  it('refuses malformed headers in the environment at start, naming the variable and never its value', () => {
    const read = () => settings({ HOPTRACE_FORWARD_HEADERS: 'x-env=1,x-key s3cret' });
    expect(read).toThrow('HOPTRACE_FORWARD_HEADERS (value not shown) must be k=v pairs');
    expect(read).not.toThrow(/s3cret/);
  });

  it('forwards with the environment’s headers alone when the parameter does not exist', async () => {
    const headers = forwardHeaders(
      settings({ HOPTRACE_FORWARD_HEADERS_PARAMETER: '/hoptrace/test/none', HOPTRACE_FORWARD_HEADERS: 'x-env=1' }),
    );
    expect(await headers()).toEqual({ 'x-env': '1' });
  });

  it('fails the batch while SSM fails (the stream redelivers it), and reads again on the next one', async () => {
    ssm.put(PARAMETER, { type: 'SecureString', value: 'k=v' });
    ssm.fault = 'fail';
    const headers = forwardHeaders(settings());
    await expect(headers()).rejects.toThrow(`the forward headers could not be read from SSM parameter ${PARAMETER}`);
    ssm.fault = undefined;
    expect(await headers()).toEqual({ k: 'v' });
  });
});
