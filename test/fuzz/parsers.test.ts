import fc from 'fast-check';
import { TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { decodeExportRequest } from '../../handlers/ingest/decode';
import { HttpError } from '../../handlers/ingest/http-error';
import { parseBaggage, serializeBaggage } from '../../src/propagation/baggage';
import { clientContextCarrier, recordCarrier } from '../../src/messaging/event-carrier';
import { detailShape, detailWithContext } from '../../src/messaging/eventbridge-detail';
import { formatTraceParent, parseTraceParent } from '../../src/propagation/trace-context';
import { formatXRayHeader, parseXRayHeader } from '../../src/propagation/xray';
import { DEFAULT_REDACT_KEYS, Redactor } from '../../src/redaction';
import { W3CTraceState } from '../../src/propagation/trace-state';
import { detectTrigger } from '../../src/wrapper/triggers/detect';

// Property-based: random and mutated inputs never throw out of a parser, and valid inputs
// round-trip. Runs are bounded so the suite stays fast; FUZZ_RUNS raises them.
const RUNS = Number(process.env.FUZZ_RUNS ?? 400);
const opts = { numRuns: RUNS };

const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const spanContext = fc
  .record({ traceId: hex(32), spanId: hex(16), sampled: fc.boolean() })
  .filter(({ traceId, spanId }) => !/^0+$/.test(traceId) && !/^0+$/.test(spanId))
  .map(({ traceId, spanId, sampled }) => ({
    traceId,
    spanId,
    traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  }));

/** A string with a few characters replaced, inserted or removed. */
function mutate(base: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(base, fc.array(fc.tuple(fc.nat(), fc.string({ maxLength: 2 }), fc.nat(3)), { maxLength: 4 }))
    .map(([s, edits]) =>
      edits.reduce((acc, [pos, text, cut]) => {
        const at = acc.length === 0 ? 0 : pos % acc.length;
        return acc.slice(0, at) + text + acc.slice(at + cut);
      }, s),
    );
}

describe('W3C traceparent', () => {
  it('never throws on any string, and only yields valid contexts', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'binary' }), mutate(spanContext.map(formatTraceParent))),
        (input) => {
          const parsed = parseTraceParent(input);
          if (parsed) {
            expect(parsed.traceId).toMatch(/^[0-9a-f]{32}$/);
            expect(parsed.spanId).toMatch(/^[0-9a-f]{16}$/);
          }
        },
      ),
      opts,
    );
  });

  it('round-trips every valid context', () => {
    fc.assert(
      fc.property(spanContext, (ctx) => {
        expect(parseTraceParent(formatTraceParent(ctx))).toEqual(ctx);
      }),
      opts,
    );
  });
});

describe('EventBridge detail', () => {
  const whitespace = fc.stringMatching(/^[ \t\n\r]{0,3}$/);
  it('adds the context field to any JSON object text, changing nothing else, and leaves anything else alone', () => {
    const objectText = fc
      .tuple(whitespace, fc.dictionary(fc.string(), fc.jsonValue()), fc.boolean(), whitespace)
      .map(
        ([before, value, pretty, after]) => `${before}${JSON.stringify(value, null, pretty ? 2 : undefined)}${after}`,
      );
    fc.assert(
      fc.property(fc.oneof(objectText, fc.json(), mutate(objectText)), (detail) => {
        const shape = detailShape(detail);
        if (shape !== 'object') return;
        const context = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
        const out = detailWithContext(detail, context);
        expect((JSON.parse(out) as Record<string, unknown>)._hoptrace).toEqual(context);
        const field = `"_hoptrace":${JSON.stringify(context)}`;
        const at = out.lastIndexOf(field);
        const removed = out.slice(0, at) + out.slice(at + field.length);
        // Taking the field (and the one comma added before it) out gives back the user's text.
        expect(
          removed === detail || (out[at - 1] === ',' && removed.slice(0, at - 1) + removed.slice(at) === detail),
        ).toBe(true);
      }),
      opts,
    );
  });
});

describe('W3C tracestate', () => {
  it('never throws, stays within the W3C limits, and is stable once parsed', () => {
    const member = fc
      .tuple(fc.stringMatching(/^[a-z][a-z0-9_\-*/]{0,20}$/), fc.stringMatching(/^[!-+\--<>-~]{1,30}$/))
      .map(([k, v]) => `${k}=${v}`);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 2000 }),
          fc.array(member, { maxLength: 50 }).map((m) => m.join(',')),
          mutate(fc.array(member, { maxLength: 10 }).map((m) => m.join(','))),
        ),
        (input) => {
          const state = W3CTraceState.parse(input);
          const serialized = state.serialize();
          expect(serialized.length).toBeLessThanOrEqual(512);
          expect(serialized === '' ? 0 : serialized.split(',').length).toBeLessThanOrEqual(32);
          expect(W3CTraceState.parse(serialized).serialize()).toBe(serialized);
        },
      ),
      opts,
    );
  });
});

describe('W3C baggage', () => {
  it('never throws and never pollutes prototypes', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 3000 }), mutate(fc.constant('__proto__=x,constructor=y;p=1,k=%E2%82%AC'))),
        (input) => {
          const entries = parseBaggage(input);
          expect(Object.keys(entries).length).toBeLessThanOrEqual(64);
          expect(({} as Record<string, unknown>).x).toBeUndefined();
        },
      ),
      opts,
    );
  });

  it('round-trips token keys with any unicode values', () => {
    const entry = fc.tuple(
      fc.stringMatching(/^[a-zA-Z0-9!#$&'*+\-.^_`|~]{1,12}$/),
      fc.string({ unit: 'grapheme', maxLength: 20 }),
    );
    fc.assert(
      fc.property(fc.uniqueArray(entry, { selector: ([k]) => k, maxLength: 10 }), (pairs) => {
        const serialized = serializeBaggage(pairs.map(([k, v]) => [k, { value: v }]));
        const parsed = parseBaggage(serialized);
        for (const [k, v] of pairs) expect(parsed[k]?.value).toBe(v);
      }),
      opts,
    );
  });
});

describe('X-Ray header', () => {
  it('never throws, and round-trips valid contexts', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), mutate(spanContext.map(formatXRayHeader))),
        (input) => void parseXRayHeader(input),
      ),
      opts,
    );
    fc.assert(
      fc.property(spanContext, (ctx) => {
        expect(parseXRayHeader(formatXRayHeader(ctx))).toEqual(ctx);
      }),
      opts,
    );
  });
});

describe('SQS/SNS message attributes and SNS envelopes', () => {
  const anything = fc.anything({ maxDepth: 3 });
  it('never throw, whatever the record holds', () => {
    fc.assert(
      fc.property(
        anything,
        anything,
        fc.oneof(
          fc.string(),
          mutate(fc.constant('{"TopicArn":"a","MessageAttributes":{"traceparent":{"Type":"String","Value":"x"}}}')),
        ),
        (attributes, sns, body) => {
          recordCarrier({ eventSource: 'aws:sqs', messageAttributes: attributes, body, attributes });
          recordCarrier({ EventSource: 'aws:sns', Sns: sns });
          recordCarrier({ 'detail-type': 'x', detail: attributes });
          clientContextCarrier(sns);
          detectTrigger({ Records: [attributes, sns] }, new Set(['traceparent']));
          detectTrigger(attributes, new Set(['traceparent']));
        },
      ),
      opts,
    );
  });

  it('read back a context written in any valid form', () => {
    fc.assert(
      fc.property(spanContext, (ctx) => {
        const tp = formatTraceParent(ctx);
        const envelope = JSON.stringify({
          TopicArn: 'arn:aws:sns:x:1:t',
          MessageAttributes: { traceparent: { Type: 'String', Value: tp } },
        });
        expect(recordCarrier({ eventSource: 'aws:sqs', body: envelope })?.traceparent).toBe(tp);
        expect(
          recordCarrier({
            eventSource: 'aws:sqs',
            messageAttributes: { traceparent: { dataType: 'String', stringValue: tp } },
          })?.traceparent,
        ).toBe(tp);
      }),
      opts,
    );
  });
});

describe("the ingest's OTLP JSON decoder", () => {
  const rules = { maxCount: 128, maxValueLength: 8192, redactor: new Redactor(DEFAULT_REDACT_KEYS) };
  const onlyHttpErrors = (json: string): void => {
    try {
      decodeExportRequest({ format: 'json', text: json }, rules);
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      expect(error.status).toBe(400);
    }
  };

  const span = fc
    .record({
      traceId: hex(32).filter((h) => !/^0+$/.test(h)),
      spanId: hex(16).filter((h) => !/^0+$/.test(h)),
      name: fc.string(),
      kind: fc.integer({ min: 0, max: 5 }),
      startTimeUnixNano: fc.bigInt({ min: 0n, max: 2n ** 62n }).map(String),
      attributes: fc.array(
        fc.record({
          key: fc.string({ minLength: 1 }),
          value: fc.oneof(
            fc.string().map((s) => ({ stringValue: s })),
            fc.boolean().map((b) => ({ boolValue: b })),
            fc.integer().map((i) => ({ intValue: String(i) })),
          ),
        }),
        { maxLength: 5 },
      ),
    })
    .map((s) => ({ ...s, endTimeUnixNano: s.startTimeUnixNano }));
  const request = fc.array(span, { maxLength: 20 }).map((spans) => ({
    resourceSpans: [{ resource: { attributes: [] }, scopeSpans: [{ scope: { name: 's' }, spans }] }],
  }));

  it('accepts every valid request whole', () => {
    fc.assert(
      fc.property(request, (req) => {
        const decoded = decodeExportRequest({ format: 'json', text: JSON.stringify(req) }, rules);
        expect(decoded.rejected).toBe(0);
        expect(decoded.groups[0]?.scopes[0]?.spans.length ?? 0).toBe(req.resourceSpans[0]!.scopeSpans[0]!.spans.length);
      }),
      opts,
    );
  });

  it('only ever answers a 400, for random JSON, mutated requests and hostile nesting', () => {
    fc.assert(fc.property(fc.json({ maxDepth: 4 }), onlyHttpErrors), opts);
    fc.assert(fc.property(mutate(request.map((r) => JSON.stringify(r))), onlyHttpErrors), opts);
    fc.assert(
      fc.property(
        fc
          .anything({ maxDepth: 4 })
          .map((v) => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [v] }] }] }) ?? 'null'),
        onlyHttpErrors,
      ),
      opts,
    );
    onlyHttpErrors('['.repeat(100_000) + ']'.repeat(100_000));
    onlyHttpErrors(
      `{"resourceSpans":[{"scopeSpans":[{"spans":[{"attributes":[{"key":"k","value":${'{"arrayValue":{"values":['.repeat(5000)}{"stringValue":"x"}${']}}'.repeat(5000)}}]}]}]}]}`,
    );
  });
});
