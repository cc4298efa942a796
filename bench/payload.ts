import { randomBytes } from 'node:crypto';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const str = (key: string, value: string) => ({ key, value: { stringValue: value } });
const int = (key: string, value: number) => ({ key, value: { intValue: String(value) } });

/**
 * An `ExportTraceServiceRequest` of `traces` traces of `spansPerTrace` spans each, shaped
 * like a real Lambda's: a SERVER root with HTTP attributes, CLIENT children with database
 * and HTTP attributes, one event now and then.
 */
export function otlpPayload(traces: number, spansPerTrace: number): string {
  const spans: unknown[] = [];
  const base = BigInt(Date.now()) * 1_000_000n;
  for (let t = 0; t < traces; t++) {
    const traceId = hex(16);
    const rootId = hex(8);
    for (let s = 0; s < spansPerTrace; s++) {
      const start = base + BigInt(t * 1_000_000 + s * 50_000);
      const root = s === 0;
      spans.push({
        traceId,
        spanId: root ? rootId : hex(8),
        ...(root ? {} : { parentSpanId: rootId }),
        name: root ? 'GET /orders/{id}' : s % 2 ? 'SELECT orders' : 'GET',
        kind: root ? 2 : 3,
        startTimeUnixNano: String(start),
        endTimeUnixNano: String(start + 2_500_000n),
        attributes: root
          ? [
              str('http.request.method', 'GET'),
              str('http.route', '/orders/{id}'),
              str('url.path', `/orders/${t}`),
              int('http.response.status_code', 200),
              str('faas.trigger', 'http'),
              str('faas.invocation_id', hex(16)),
              { key: 'faas.coldstart', value: { boolValue: false } },
              str('user_agent.original', 'Mozilla/5.0 (X11; Linux x86_64)'),
              str('client.address', '203.0.113.9'),
            ]
          : s % 2
            ? [
                str('db.system', 'postgresql'),
                str('db.query.text', `SELECT * FROM orders WHERE id = $1 /* ${t} */`),
                str('server.address', 'orders.cluster-abc.eu-west-1.rds.amazonaws.com'),
                int('server.port', 5432),
              ]
            : [
                str('http.request.method', 'GET'),
                str('url.full', `https://inventory.internal/items/${s}`),
                int('http.response.status_code', 200),
                str('server.address', 'inventory.internal'),
              ],
        events:
          s === 3
            ? [
                {
                  timeUnixNano: String(start + 1_000_000n),
                  name: 'cache miss',
                  attributes: [str('cache.key', `order:${t}`)],
                },
              ]
            : [],
        status: { code: 0 },
      });
    }
  }
  const resource = {
    attributes: [
      str('service.name', 'orders-api'),
      str('telemetry.sdk.name', 'hoptrace'),
      str('telemetry.sdk.language', 'nodejs'),
      str('cloud.provider', 'aws'),
      str('cloud.platform', 'aws_lambda'),
      str('cloud.region', 'eu-west-1'),
      str('faas.name', 'orders-api'),
      str('faas.version', '42'),
    ],
  };
  return JSON.stringify({
    resourceSpans: [{ resource, scopeSpans: [{ scope: { name: 'hoptrace', version: '0.1.0' }, spans }] }],
  });
}
