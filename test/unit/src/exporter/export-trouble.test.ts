import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpExporter } from '../../../../src/exporter/exporter';
import { Redactor } from '../../../../src/redaction';
import { OtlpReceiver } from '../../../../testing/otlp-receiver';
import { endedSpans as spans } from '../../../helpers/recording-spans';

describe("the exporter's own trouble, carried on its exports", () => {
  let receiver: OtlpReceiver;
  let dir: string;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    dir = mkdtempSync(join(tmpdir(), 'spool-sre-metrics-'));
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('counts spans refused for good as dropped, spans a failure left in the spool as spooled, and the breaker opening, each once, on the exports after', async () => {
    const exporter = new OtlpExporter({
      endpoint: receiver.url,
      headers: {},
      compression: 'none',
      requestTimeoutMs: 1000,
      maxExportBytes: 1 << 20,
      resource: { 'service.name': 'svc' },
      redactor: new Redactor([]),
      spool: { dir, maxBytes: 1 << 20 },
    });
    const soon = () => Date.now() + 30;
    receiver.always({ kind: 'status', status: 400 });
    await exporter.export(spans(2), Date.now() + 5000); // refused: 2 dropped
    receiver.always({ kind: 'status', status: 503 });
    for (let i = 0; i < 3; i++) await exporter.export(spans(1), soon()); // 3 spooled; the third failure in a row opens the breaker
    await exporter.export(spans(1), soon()); // not tried: 1 more spooled
    // Drains while the breaker is open try nothing: the spans wait, already counted.
    for (let i = 0; i < 2; i++) await exporter.drainSpool(() => Date.now() + 5000);
    receiver.always({ kind: 'ok' });
    // The sandbox's last chance goes even while the breaker is open, and takes the spool along.
    await exporter.drainSpool(() => Date.now() + 5000, { last: true });
    await exporter.drainSpool(() => Date.now() + 5000, { last: true }); // a second drain finds nothing: nothing is counted twice
    await exporter.export(spans(1), Date.now() + 5000);

    const stamps = receiver.requests.flatMap((r) =>
      r.body.resourceSpans.map((rs) =>
        Object.fromEntries(
          rs.resource.attributes
            .filter((kv) => kv.key.startsWith('hoptrace.export.'))
            .map((kv) => [kv.key, Number(kv.value.intValue)]),
        ),
      ),
    );
    const total = (key: string) => stamps.reduce((n, s) => n + (s[key] ?? 0), 0);
    expect({
      spans: total('hoptrace.export.spans'),
      received: receiver.spans().length,
      dropped: total('hoptrace.export.spans_dropped'),
      spooled: total('hoptrace.export.spans_spooled'),
      breakerOpens: total('hoptrace.export.breaker_opens'),
    }).toEqual({ spans: 5, received: 5, dropped: 2, spooled: 4, breakerOpens: 1 });
  });
});
