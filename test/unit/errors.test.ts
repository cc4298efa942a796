import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CliError } from '../../cli/src/errors';
import { parseCommandLine } from '../../cli/src/args';
import { QuerySyntaxError } from '../../cli/src/query/parse';
import { decodeExportRequest, InvalidSpanError } from '../../handlers/ingest/decode';
import { HttpError } from '../../handlers/ingest/http-error';
import { WireError } from '../../src/otlp/protobuf-decode';
import { decodeRequest } from '../../handlers/ingest/request';
import { RequestLimitError } from '../../handlers/ingest/request-limits';
import { KeysUnavailableError } from '../../handlers/ingest/tenant-keys';
import { ParameterNotFoundError } from '../../handlers/ssm-secure-string';
import { forwardHeaders } from '../../handlers/tail-sampler/forward-headers';
import { ForwardError, httpForwarder } from '../../handlers/tail-sampler/forwarder';
import { TransportTimeoutError } from '../../src/exporter/http-transport';
import { UnencodableSpanError } from '../../src/exporter/otlp-json';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../src/redaction';

/**
 * Every error class of src/, handlers/ and cli/ (the stream record's is tested with its module),
 * made with a cause where it may answer for another error.
 */
const made: Array<[string, (cause: Error) => Error]> = [
  ['UnencodableSpanError', (cause) => new UnencodableSpanError('m', { cause })],
  ['InvalidSpanError', (cause) => new InvalidSpanError('m', { cause })],
  ['HttpError', (cause) => new HttpError(400, 'm', {}, { cause })],
  ['WireError', (cause) => new WireError('m', { cause })],
  ['RequestLimitError', (cause) => new RequestLimitError('m', { cause })],
  ['KeysUnavailableError', (cause) => new KeysUnavailableError('m', { cause })],
  ['ParameterNotFoundError', (cause) => new ParameterNotFoundError('m', { cause })],
  ['ForwardError', (cause) => new ForwardError('m', { cause })],
  ['CliError', (cause) => new CliError('m', 1, { cause })],
];
// These two are the first failure, never another's answer: no cause to keep.
const causeless: Array<[string, Error]> = [
  ['TransportTimeoutError', new TransportTimeoutError(5)],
  ['QuerySyntaxError', new QuerySyntaxError('m', 1)],
];

const rules = { maxCount: 5, maxValueLength: 10, redactor: new Redactor(DEFAULT_REDACT_KEYS) };

function thrown(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('error classes', () => {
  it.each(made)('%s is named after its class and keeps its cause', (name, make) => {
    const cause = new Error('underneath');
    const error = make(cause);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(error.cause).toBe(cause);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it.each(causeless)('%s is named after its class', (name, error) => {
    expect(error.name).toBe(name);
    expect(error.constructor.name).toBe(name);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
  });

  it('an error made without a cause has none', () => {
    expect('cause' in new ForwardError('m', { status: 503 })).toBe(false);
    expect('cause' in new HttpError(400, 'm')).toBe(false);
  });
});

describe('errors that answer for another keep it as their cause', () => {
  it('the ingest: a body that is not protobuf', () => {
    const error = thrown(() => decodeExportRequest({ format: 'protobuf', bytes: Buffer.from([0x0a, 0xff]) }, rules));
    expect(error).toBeInstanceOf(HttpError);
    expect((error as HttpError).status).toBe(400);
    expect(error.cause).toBeInstanceOf(WireError);
  });

  it('the ingest: a body that is not JSON', () => {
    const error = thrown(() => decodeExportRequest({ format: 'json', text: '{"resourceSpans": [' }, rules));
    expect((error as HttpError).status).toBe(400);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('the ingest: a body over a limit', () => {
    const limits = { maxItems: 2, maxSpans: 1, maxTraces: 1 };
    const error = thrown(() => decodeExportRequest({ format: 'json', text: '[[[[]]]]' }, rules, limits));
    expect((error as HttpError).status).toBe(413);
    expect(error.cause).toBeInstanceOf(RequestLimitError);
  });

  it('the ingest: a gzip body that does not inflate', () => {
    const truncated = gzipSync('{"resourceSpans":[]}').subarray(0, 12);
    const event = { body: truncated.toString('base64'), isBase64Encoded: true };
    const headers = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const error = thrown(() => decodeRequest(event, 1024, headers));
    expect((error as HttpError).status).toBe(400);
    expect(error.cause).toBeInstanceOf(Error);
  });

  const forward = {
    endpoint: 'http://127.0.0.1:1/v1/traces',
    headers: {},
    headersParameter: undefined,
    ssmEndpoint: undefined,
    gzip: false,
    protobuf: false,
    sigv4Service: undefined,
    region: 'us-east-1',
    timeoutMs: 2000,
    maxRequestBytes: 1024,
    retryWindowSeconds: 60,
  };

  it('the tail sampler: a backend that cannot be reached', async () => {
    const error = await httpForwarder(forward)({ resourceSpans: [] }).then(
      () => undefined,
      (e: unknown) => e as ForwardError,
    );
    expect(error).toBeInstanceOf(ForwardError);
    expect(error?.retryable).toBe(true);
    expect(error?.cause).toBeInstanceOf(Error);
  });

  it('the tail sampler: backend headers that cannot be read', async () => {
    const denied = new Error('AccessDeniedException');
    const read = forwardHeaders({ ...forward, headersParameter: '/hoptrace/forward-headers' }, () =>
      Promise.reject(denied),
    );
    const error = await read().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(
      /could not be read from SSM parameter \/hoptrace\/forward-headers: AccessDeniedException/,
    );
    expect(error?.cause).toBe(denied);
  });

  it('the command: a query that does not parse', () => {
    const error = thrown(() => parseCommandLine(['traces', '--file', 'x.json', '--query', '{ name = }']));
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(2);
    expect(error.cause).toBeInstanceOf(QuerySyntaxError);
  });
});
