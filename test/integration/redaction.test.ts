import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTracing } from '../../src/index';
import { lambdaContext } from '../helpers/lambda';
import { attr } from '../../testing/otlp-receiver';
import { useReceiver } from '../helpers/test-bed';

const receiver = useReceiver();
let api: http.Server;
let apiUrl: string;

beforeAll(async () => {
  api = http.createServer((_req, res) => res.end('{}'));
  await new Promise<void>((r) => api.listen(0, '127.0.0.1', r));
  apiUrl = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => api.close(() => r())));

const SECRETS = ['q-s3cr3t', 'hunter2', 'AKIAIOSFODNN7EXAMPLE', '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw'];

describe('redaction, for real: a wrapped handler calling an API and failing', () => {
  it('sends no secret from URLs, span names, exception messages and stack traces or status messages, and keeps the rest', async () => {
    const handler = withTracing(
      async () => {
        await new Promise<void>((resolve) =>
          http.get(`${apiUrl}/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage`, (res) =>
            res.resume().on('end', resolve),
          ),
        );
        const span = trace.getTracer('app').startSpan('GET /reset?code=AKIAIOSFODNN7EXAMPLE');
        // As a third-party instrumentation records it (hoptrace's own leave the query out).
        span.setAttribute('url.full', `${apiUrl}/orders?token=q-s3cr3t&page=2`);
        span.setAttribute('gen_ai.usage.input_tokens', 812);
        span.setAttribute('session.id', 'sess-42');
        span.end();
        throw new Error('cannot connect to postgres://app:hunter2@db.internal:5432/orders');
      },
      { endpoint: receiver().url },
    );
    await expect(handler({}, lambdaContext())).rejects.toThrow('hunter2');

    const raw = JSON.stringify(receiver().requests.map((r) => r.body));
    for (const secret of SECRETS) expect([secret, raw.includes(secret)]).toEqual([secret, false]);
    const spans = receiver().spans();
    const urls = spans.map((s) => attr(s, 'url.full')).filter(Boolean);
    expect(urls).toEqual(
      expect.arrayContaining([`${apiUrl}/orders?token=[REDACTED]&page=2`, `${apiUrl}/bot[REDACTED]/sendMessage`]),
    );
    const app = spans.find((s) => s.name.startsWith('GET /reset'))!;
    expect(app.name).toBe('GET /reset?code=[REDACTED]');
    expect(attr(app, 'gen_ai.usage.input_tokens')).toBe(812);
    expect(attr(app, 'session.id')).toBe('sess-42');
    const root = spans.find((s) => attr(s, 'faas.invocation_id') !== undefined)!;
    expect(root.status.message).toBe('cannot connect to postgres://[REDACTED]:[REDACTED]@db.internal:5432/orders');
    const exception = root.events!.find((e) => e.name === 'exception')!;
    expect(attr(exception, 'exception.stacktrace')).toContain('postgres://[REDACTED]:[REDACTED]@db.internal');
  });
});
