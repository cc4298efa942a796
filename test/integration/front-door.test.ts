import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startIngestBed, TENANT_KEYS, type IngestBed } from '../helpers/ingest-bed';
import { exportRequest, otlpSpan } from '../helpers/otlp-payload';
import { toProtobuf } from '../../testing/otlp-protobuf';
import { startRestFrontDoor, type FrontDoor } from '../../testing/rest-front-door';

// The REST API stand-in answers with infra/front-door.yml's own gateway responses when the
// function is not reached; these are what a sender meets on AWS in the same cases.
let bed: IngestBed;
let unreachable: FrontDoor;

beforeAll(async () => {
  bed = await startIngestBed('front-door-spans', {});
  // A route whose function Lambda will not run: what a throttled or refused invocation looks like.
  unreachable = await startRestFrontDoor((fn, event) => bed.offline.invoke(fn, event), {
    gone: 'hoptrace-ingest-test-dev-no-such-function',
  });
}, 120_000);

afterAll(async () => {
  await unreachable?.close();
  await bed?.stop();
});

const protobufBody = () => toProtobuf(exportRequest([otlpSpan()]));
const headers = { 'content-type': 'application/x-protobuf', 'x-api-key': TENANT_KEYS.tests };

/** A google.rpc.Status in its JSON form: exactly code and message. */
async function status(res: Response): Promise<{ code: number; message: string }> {
  expect(res.headers.get('content-type')).toBe('application/json');
  const body = (await res.json()) as { code: number; message: string };
  expect(Object.keys(body).sort()).toEqual(['code', 'message']);
  return body;
}

describe('the front door, when the function is not reached', () => {
  it('answers an SDK given the stage as its base URL, for metrics and logs, 404 saying traces only (not 403), and never runs the ingest', async () => {
    for (const signal of ['metrics', 'logs']) {
      const res = await fetch(`${bed.base('ingest')}/v1/${signal}`, { method: 'POST', headers, body: protobufBody() });
      expect(res.status).toBe(404);
      const { code, message } = await status(res);
      expect(code).toBe(5);
      expect(message).toContain('traces only: POST /v1/traces');
      expect(message).toContain('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
    }
  });

  it('answers a function Lambda does not run 503 with Retry-After, which OTLP senders retry, instead of 500', async () => {
    const res = await fetch(`${unreachable.url}/gone/v1/traces`, { method: 'POST', headers, body: protobufBody() });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    expect((await status(res)).code).toBe(14);
  });

  it('answers a body past API Gateway’s 10 MB 413, which senders do not retry, saying to send smaller batches', async () => {
    const res = await fetch(`${bed.base('ingest')}/v1/traces`, {
      method: 'POST',
      headers,
      body: Buffer.alloc(10 * 1024 * 1024 + 1),
    });
    expect(res.status).toBe(413);
    expect((await status(res)).message).toContain('send smaller batches');
  });

  it('runs the ingest for POST /v1/traces: after a cold start, 200, or 503 + Retry-After when init spent the answer budget, and the retry lands', async () => {
    const send = () => fetch(`${bed.base('ingest')}/v1/traces`, { method: 'POST', headers, body: protobufBody() });
    // The first request this sandbox sees: the deadline runs from the front door's receipt.
    const first = await send();
    if (first.status !== 200) {
      expect(first.status).toBe(503);
      expect(first.headers.get('retry-after')).toBe('2');
    }
    expect((await send()).status).toBe(200);
  });
});
