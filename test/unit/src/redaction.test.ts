import { SpanKind, TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { cleanKeyValues } from '../../../handlers/ingest/attributes';
import { resolveConfig } from '../../../src/config/options';
import { encodeBatches } from '../../../src/exporter/otlp-json';
import { DEFAULT_REDACT_KEYS, parseRedactKeys, REDACTED, Redactor } from '../../../src/redaction';
import { RecordingSpan } from '../../../src/tracer/span';

const R = REDACTED;
const redactor = new Redactor(DEFAULT_REDACT_KEYS);

// [what, value, as it must leave]
const VALUES: Array<[string, string, string]> = [
  [
    'a query token',
    'https://api.example.com/v1/orders?token=abc123&page=2',
    `https://api.example.com/v1/orders?token=${R}&page=2`,
  ],
  [
    'an OAuth code and an access_token',
    '/callback?code=Xy9&state=1#access_token=eyJ',
    `/callback?code=${R}&state=1#access_token=${R}`,
  ],
  [
    'a URL password',
    'postgres://app:hunter2@db.example.com:5432/orders',
    `postgres://${R}:${R}@db.example.com:5432/orders`,
  ],
  [
    'a presigned S3 URL',
    'https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20261122&X-Amz-Signature=9f1e2d',
    `https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${R}&X-Amz-Signature=${R}`,
  ],
  [
    'a Telegram bot token in a path',
    '/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
    `/bot${R}/sendMessage`,
  ],
  [
    'a Slack webhook',
    'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstuvwx',
    `https://hooks.slack.com/services/${R}`,
  ],
  [
    'a Discord webhook',
    '/api/webhooks/123456789012345678/abcdefghijklmnopqrstuvwxyz-ABCDEF',
    `/api/webhooks/123456789012345678/${R}`,
  ],
  [
    'a password in a JSON message',
    'login failed for {"user":"bob","password":"hun\\"ter2"}',
    `login failed for {"user":"bob","password":"${R}"}`,
  ],
  [
    'a connection string in a message',
    'connect failed: Server=db;User Id=app;Password=hunter2;',
    `connect failed: Server=db;User Id=app;Password=${R};`,
  ],
  [
    'a JWT in a stack trace',
    'Error: bad eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N\n    at f (/var/task/index.js:1:1)',
    `Error: bad ${R}\n    at f (/var/task/index.js:1:1)`,
  ],
  ['a bearer token', 'Authorization: Bearer abc.def-ghi==', `Authorization: Bearer ${R}`],
  ['an AWS access key id', 'key AKIAIOSFODNN7EXAMPLE leaked', `key ${R} leaked`],
  ['a GitHub token', `push with ghp_${'a1B2'.repeat(9)} failed`, `push with ${R} failed`],
  ['a span name with a reset code', 'GET /reset?code=XYZ', `GET /reset?code=${R}`],
];

const UNTOUCHED = [
  'GET /orders/{id}',
  'https://example.com/search?q=shoes&page=2',
  'bob@example.com',
  'tokens=5&session_id=abc',
  'timeout after 3000 ms: {"retry":"later"}',
  'a=b',
];

describe('redaction of keys, by word', () => {
  it('redacts the keys that name a secret, whatever their case and punctuation', () => {
    const sensitive = [
      ...['auth', 'jwt', 'pwd', 'passphrase', 'aws_access_key_id', 'db.connection_string'],
      ...[
        'password',
        'DB_PASSWORD',
        'x-api-key',
        'apiKey',
        'API_KEY',
        'http.request.header.authorization',
        'Set-Cookie',
        'aws.secret_access_key',
        'refresh_token',
        'sessionToken',
        'ssh.privateKey',
        'x-amz-signature',
        'client.credentials',
      ],
    ];
    for (const key of sensitive) expect([key, redactor.isSensitive(key)]).toEqual([key, true]);
  });

  it('keeps the keys that only contain such a word inside another', () => {
    const plain = [
      'gen_ai.usage.input_tokens',
      'gen_ai.usage.output_tokens',
      'session.id',
      'user.session.id',
      'author',
      'authority',
      'http.route',
      'user.id',
      'order.total',
      'db.system',
      'secrets_manager.arn',
    ];
    for (const key of plain) expect([key, redactor.isSensitive(key)]).toEqual([key, false]);
  });

  it('reads HOPTRACE_REDACT_KEYS: a list, none, or the defaults; a listed key matches as words too', () => {
    expect(parseRedactKeys(undefined)).toBe(DEFAULT_REDACT_KEYS);
    expect(parseRedactKeys(' none ')).toEqual([]);
    expect(parseRedactKeys('Card-Number, ssn')).toEqual(['cardnumber', 'ssn']);
    const custom = new Redactor(parseRedactKeys('Card-Number, ssn'));
    expect(['payment.card_number', 'cardNumber', 'user.ssn', 'lesson'].map((k) => custom.isSensitive(k))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  it('is on by default in the wrapper, and an empty option turns it off', () => {
    expect(resolveConfig({}, {}).redactKeys).toBe(DEFAULT_REDACT_KEYS);
    expect(resolveConfig({ redactKeys: [] }, {}).redactKeys).toEqual([]);
    expect(resolveConfig({ redactKeys: ['pin'] }, { HOPTRACE_REDACT_KEYS: 'none' }).redactKeys).toEqual(['pin']);
  });

  it('forgets verdicts past its bound rather than grow without end', () => {
    const r = new Redactor(['secret']);
    for (let i = 0; i < 25_000; i++) r.isSensitive(`key.${i}`);
    expect(r.isSensitive('my.secret')).toBe(true);
  });
});

describe('redaction inside values', () => {
  it.each(VALUES)('scrubs %s', (_what, value, scrubbed) => {
    expect(redactor.scrub(value)).toBe(scrubbed);
  });

  it('leaves values without a secret as they are', () => {
    for (const value of UNTOUCHED) expect(redactor.scrub(value)).toBe(value);
  });

  it('scrubs nothing when redaction is off', () => {
    const off = new Redactor([]);
    for (const [, value] of VALUES) expect(off.scrub(value)).toBe(value);
  });
});

/** What the library sends for a span named `value` with the value in an attribute, an event and its status. */
function libraryOut(value: string): string[] {
  const rules = {
    limits: { attributeCount: 128, attributeValueLength: 8192, eventCount: 128, linkCount: 128 },
    redactor,
  };
  const span = new RecordingSpan(
    { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED },
    value,
    SpanKind.SERVER,
    undefined,
    1_700_000_000_000,
    { name: 't' },
    rules,
    { onEnd: () => undefined },
    { 'url.full': value },
  );
  span.recordException({ name: 'Error', message: value, stack: value });
  span.setStatus({ code: 2, message: value });
  span.end();
  const sent = JSON.parse(encodeBatches([span], { 'resource.note': value }, 1_000_000, redactor).bodies[0]!.json);
  const out = sent.resourceSpans[0].scopeSpans[0].spans[0];
  const event = out.events[0].attributes.map((a: { value: { stringValue: string } }) => a.value.stringValue);
  return [
    out.name,
    out.attributes[0].value.stringValue,
    ...event.slice(1),
    out.status.message,
    sent.resourceSpans[0].resource.attributes[0].value.stringValue,
  ];
}

describe('the library and the ingest redact the same way', () => {
  it.each(VALUES)(
    '%s: in span names, attributes, exception messages and stack traces, status messages, the resource',
    (_what, value, scrubbed) => {
      expect(libraryOut(value)).toEqual(Array(6).fill(scrubbed));
      const stats = { truncatedValues: 0, redactedValues: 0 };
      const ingest = cleanKeyValues(
        [
          { key: 'url.full', value: { stringValue: value } },
          { key: 'exception.message', value: { stringValue: value } },
        ],
        { maxCount: 128, maxValueLength: 8192, redactor },
        stats,
      );
      expect(ingest.kept.map((kv) => kv.value.stringValue)).toEqual([scrubbed, scrubbed]);
    },
  );
});
