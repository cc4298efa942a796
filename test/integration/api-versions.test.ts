import { afterAll, describe, expect, it } from 'vitest';
import { RIC, sandboxes, spansOf } from '../../testing/lambda-sandbox';
import { ANY_VALUES_OTLP, REDACTED_REQUEST_OTLP } from '../helpers/any-values';

// The peer range allows @opentelemetry/api 1.9 and 1.10: the same handler runs in a real
// sandbox (the runtime interface client, the published bundle with the API external) with
// each installed as `@opentelemetry/api`. hoptrace registers with whichever the function
// installs, and carries API 1.10's AnyValue attributes through either.

const HANDLER = `import { withTracing } from 'hoptrace';
import { trace } from '@opentelemetry/api';
export const handler = withTracing(async () => {
  trace.getTracer('genai').startActiveSpan('chat', (span) => {
    span.setAttribute('map', { a: 1, b: ['x', 2, true] });
    span.setAttribute('bytes', new Uint8Array([0, 1, 2, 255]));
    span.setAttribute('mixed', [1, 'two', { three: 3 }]);
    span.setAttribute('empty', null);
    span.setAttribute('request', { headers: { authorization: 'Bearer sk' } });
    span.end();
  });
  // The API that registered the process's globals, as OpenTelemetry keeps them.
  return { api: globalThis[Symbol.for('opentelemetry.js.api.1')]?.version };
});
`;

const cases = [
  { installed: '@opentelemetry/api', version: /^1\.9\./ },
  { installed: 'otel-api-110', version: /^1\.10\./ },
];

describe.each(cases)(
  `hoptrace with $installed installed as @opentelemetry/api (aws-lambda-ric ${RIC}.x)`,
  ({ installed, version }) => {
    const { boot, cleanup } = sandboxes(RIC, installed);
    afterAll(cleanup);

    it('registers with that API and exports AnyValue attributes as OTLP kvlist, array, bytes and empty values', async () => {
      const { api, receiver } = await boot({ 'index.mjs': HANDLER });
      const response = await api.invoke({});
      expect((JSON.parse(response.body.toString()) as { api: string }).api).toMatch(version);
      const chat = spansOf(receiver, response.requestId).find((s) => s.name === 'chat')!;
      expect(chat.attributes).toEqual([...ANY_VALUES_OTLP, REDACTED_REQUEST_OTLP]);
    });
  },
);
