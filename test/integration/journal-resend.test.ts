import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OtlpExporter } from '../../src/exporter/exporter';
import { Redactor } from '../../src/redaction';
import type { RecordingSpan } from '../../src/tracer/span';
import { endedSpans } from '../helpers/recording-spans';
import { OtlpReceiver } from '../../testing/otlp-receiver';
import { warningsWhile } from '../helpers/warnings';

// hoptrace/lambda's journal (one export body per line, one line per invocation) on its way to
// a real OTLP endpoint: what the endpoint refuses, and what a dead endpoint costs.

let dir: string;
let receiver: OtlpReceiver;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-journal-'));
  receiver = await OtlpReceiver.start();
});
afterEach(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function exporter(): OtlpExporter {
  return new OtlpExporter({
    endpoint: receiver.url,
    headers: {},
    compression: 'none',
    requestTimeoutMs: 2000,
    maxExportBytes: 1024 * 1024,
    resource: {},
    redactor: new Redactor([]),
    spool: { dir, maxBytes: 1024 * 1024 },
  });
}

const ids = (spans: RecordingSpan[]): string[] => spans.map((s) => s.spanContext().spanId);
const journals = (): string[] =>
  readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => f.includes('journal-'));
// The endpoint refuses for good (400) any request holding a span named "bad ...".
const refuseBad = (body: OtlpReceiver['requests'][number]['body']): number | undefined =>
  JSON.stringify(body).includes('"name":"bad ') ? 400 : undefined;

describe("hoptrace/lambda's journal, resent", () => {
  it('goes body by body once refused whole: one bad body takes no good one along, and what is refused is counted by its spans, said once', async () => {
    receiver.refuseWhen(refuseBad);
    const sent = exporter();
    const good = [endedSpans(3), endedSpans(2)];
    const bad = endedSpans(1, 'bad');
    const lines = await warningsWhile('refused', async () => {
      sent.persist(good[0]!);
      sent.persist(bad);
      sent.persist(good[1]!);
      await sent.drainSpool(() => Date.now() + 2000, { batch: true });
    });
    expect(
      receiver
        .spans()
        .map((s) => s.spanId)
        .sort(),
    ).toEqual(ids(good.flat()).sort());
    expect(lines).toEqual([expect.stringContaining('1 spooled span(s) refused by')]);
    expect(sent.spooledBytes()).toBe(0);
  });

  it('keeps only the bodies not yet sent when a failure that may pass stops it midway: none is sent twice', async () => {
    receiver.refuseWhen(refuseBad);
    const sent = exporter();
    const first = endedSpans(2);
    const bad = endedSpans(1, 'bad');
    const last = endedSpans(2);
    sent.persist(first);
    sent.persist(bad);
    sent.persist(last);
    // The whole entry (refused), its first body (taken), the bad one (refused), then an outage.
    receiver.next({ kind: 'ok' }, { kind: 'ok' }, { kind: 'ok' }, { kind: 'status', status: 503 });
    await sent.drainSpool(() => Date.now() + 2000, { batch: true, background: true });
    expect(receiver.spans().map((s) => s.spanId)).toEqual(ids(first));
    await sent.drainSpool(() => Date.now() + 2000, { batch: true, background: true });
    expect(receiver.spans().map((s) => s.spanId)).toEqual([...ids(first), ...ids(last)]);
    expect(sent.spooledBytes()).toBe(0);
  });

  it('reads no file while the circuit breaker turns deliveries away: the journal stays as written, no request goes', async () => {
    receiver.always({ kind: 'status', status: 503 });
    const sent = exporter();
    // Three failed exports in a row open the breaker.
    for (let i = 0; i < 3; i++) {
      sent.persist(endedSpans(1));
      await sent.drainSpool(() => Date.now() + 2000, { batch: true, background: true });
    }
    expect(receiver.attempts).toBe(3);
    expect(journals()).toEqual([]);
    sent.persist(endedSpans(1));
    expect(journals()).toHaveLength(1);
    await sent.drainSpool(() => Date.now() + 2000, { batch: true });
    expect(receiver.attempts).toBe(3);
    expect(journals()).toHaveLength(1);
    // The last chance (SIGTERM) still tries.
    receiver.always({ kind: 'ok' });
    await sent.drainSpool(() => Date.now() + 2000, { batch: true, last: true });
    expect(receiver.spans()).toHaveLength(4);
  });

  it('a drain that must be done by a deadline does not wait behind one under way: what that one did not take goes beside it, no body twice', async () => {
    const sent = exporter();
    const first = endedSpans(2);
    const later = endedSpans(3);
    receiver.next({ kind: 'hang' });
    sent.persist(first);
    const background = sent.drainSpool(() => Date.now() + 5000, { batch: true, background: true });
    // Written after the background drain began: not among what it sends.
    sent.persist(later);
    const must = sent.drainSpool(() => Date.now() + 5000, { batch: true, beside: true });
    await vi.waitFor(() => expect(receiver.spans().map((s) => s.spanId)).toEqual(ids(later)), { timeout: 2000 });
    receiver.release();
    await Promise.all([background, must]);
    expect(
      receiver
        .spans()
        .map((s) => s.spanId)
        .sort(),
    ).toEqual(ids([...first, ...later]).sort());
    expect(receiver.attempts).toBe(2);
    expect(sent.spooledBytes()).toBe(0);
  });
});
