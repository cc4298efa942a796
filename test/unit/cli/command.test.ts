import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze } from '../../../cli/src/analyze';
import type { CliError } from '../../../cli/src/errors';
import type { TraceDetail, TraceSummary } from '../../../cli/src/model';
import { fileSource } from '../../../cli/src/sources/files';
import { failureOf, hoptrace } from './run-cli';
import { record, request, spanId, traceId, type Spec } from './traces';

const NO_FAILURES = { throttle: 0, '4xx': 0, '5xx': 0 };

let dir: string;
const good: Spec[] = [
  { id: 1, name: 'POST /orders', start: 0, end: 100, kind: 2 },
  { id: 2, parent: 1, service: 'inventory', name: 'GET /stock', start: 10, end: 60, kind: 2 },
];

const failure = (...argv: string[]): Promise<CliError> => failureOf(hoptrace(...argv));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hoptrace-cli-'));
  mkdirSync(join(dir, 'records'));
  writeFileSync(join(dir, 'records', '1-good'), record(good));
  const whole = record([{ trace: 2, id: 1, start: 0, end: 5 }]);
  writeFileSync(join(dir, 'records', '2-truncated'), whole.subarray(0, whole.length - 8));
  writeFileSync(join(dir, 'records', '3-binary'), Buffer.from([0, 1, 2, 3, 4]));
  writeFileSync(join(dir, 'records', '4-not-json'), gzipSync('{"resourceSpans": [tru'));
  writeFileSync(join(dir, 'records', '5-not-export'), gzipSync(JSON.stringify({ hello: 'world' })));
  writeFileSync(
    join(dir, 'records', '6-bad-span'),
    gzipSync(
      JSON.stringify(request([{ trace: 3, id: 1, start: 0, end: 1 }])).replace(
        /"traceId":"[0-9a-f]+"/,
        '"traceId":"xyz"',
      ),
    ),
  );
  mkdirSync(join(dir, 'bad'));
  writeFileSync(join(dir, 'bad', 'a'), 'not json at all');
  writeFileSync(join(dir, 'bad', 'b'), gzipSync('[1,2]'));
  // The Collector's file exporter: one ExportTraceServiceRequest per line.
  const lines = [1, 2, 3]
    .map((n) => JSON.stringify(request([{ trace: 10 + n, id: 1, name: `job ${n}`, start: n, end: n + 1 }])))
    .join('\n');
  writeFileSync(join(dir, 'collector.jsonl'), `${lines}\n`);
  writeFileSync(join(dir, 'single.json'), JSON.stringify(request(good), null, 2));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hoptrace on files', () => {
  it('skips records that are not gzip, not JSON, truncated or not an export request, reports them once, and reads the rest', async () => {
    const { out, notes } = await hoptrace('traces', '--json', '--dir', join(dir, 'records'));
    const traces = JSON.parse(out) as TraceSummary[];
    expect(traces.map((t) => t.traceId)).toEqual([traceId(1)]);
    expect(Object.keys(traces[0]!)).toEqual([
      'traceId',
      'rootName',
      'services',
      'spanCount',
      'durationMs',
      'errorCount',
      'coldStarts',
      'startTime',
      'rootDurationMs',
      'rootMissing',
      'error',
    ]);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^skipped 4 record\(s\) and 1 span\(s\) that could not be read; the first \(file .*\/records\/2-truncated\): gzip that does not decompress/,
    );
  });

  it('names the file and the NDJSON line of the first refused record, read whole or line by line', async () => {
    const file = join(dir, 'mixed.jsonl');
    const good = JSON.stringify(request([{ trace: 20, id: 1, start: 0, end: 1 }]));
    writeFileSync(
      file,
      `${good}\n\n{"resourceSpans": [tru\n${good.replace(/"traceId":"[0-9a-f]+"/, `"traceId":"${'0'.repeat(32)}"`)}\n`,
    );
    for (const wholeFileMaxBytes of [undefined, 10]) {
      const { counts } = await analyze(await fileSource([file], [], wholeFileMaxBytes));
      expect(counts).toMatchObject({ skippedRecords: 1, skippedSpans: 1, firstOrigin: `file ${file} line 3` });
      expect(counts.firstReason).toMatch(/^not JSON/);
    }
    const { notes } = await hoptrace('traces', '--file', file);
    expect(notes).toEqual([
      expect.stringMatching(
        new RegExp(`the first \\(file ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 3\\): not JSON`),
      ),
    ]);
  });

  it('refuses all-zero trace and span ids (invalid in W3C Trace Context and OTLP)', async () => {
    const zeroTrace = JSON.stringify(request([{ trace: 21, id: 1, start: 0, end: 1 }])).replace(
      /"traceId":"[0-9a-f]+"/,
      `"traceId":"${'0'.repeat(32)}"`,
    );
    const zeroSpan = JSON.stringify(request([{ trace: 22, id: 1, start: 0, end: 1 }])).replace(
      /"spanId":"[0-9a-f]+"/,
      `"spanId":"${'0'.repeat(16)}"`,
    );
    const file = join(dir, 'zeros.jsonl');
    writeFileSync(file, `${zeroTrace}\n${zeroSpan}\n${JSON.stringify(request(good))}\n`);
    const { counts, traces } = await analyze(await fileSource([file], []));
    expect(traces.map((t) => t.traceId)).toEqual([traceId(1)]);
    expect(counts).toMatchObject({
      skippedSpans: 2,
      firstReason: 'a span without a valid traceId and spanId (hex, 32 and 16 digits, not all zeros)',
    });
    expect((await failure('trace', '0'.repeat(32), '--file', file)).exitCode).toBe(2);
  });

  it('names each kind of bad record', async () => {
    const reasons = await Promise.all(
      ['2-truncated', '3-binary', '4-not-json', '5-not-export', '6-bad-span'].map(
        async (name) =>
          (await analyze(await fileSource([join(dir, 'records', '1-good'), join(dir, 'records', name)], []))).counts
            .firstReason,
      ),
    );
    expect(reasons).toEqual([
      expect.stringMatching(/^gzip that does not decompress \(truncated or corrupt\)/),
      'neither gzip nor JSON',
      expect.stringMatching(/^not JSON/),
      'JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)',
      'a span without a valid traceId and spanId (hex, 32 and 16 digits, not all zeros)',
    ]);
  });

  it('says why and fails when nothing could be read', async () => {
    const error = await failure('stats', '--dir', join(dir, 'bad'));
    expect(error.exitCode).toBe(1);
    expect(error.message).toMatch(
      /^nothing readable in directory .*bad: 2 record\(s\) skipped, the first \(file .*bad\/a\) because: neither gzip nor JSON/,
    );
  });

  it('reads OTLP JSON one request per line (the Collector file exporter), also line by line when the file is large', async () => {
    const { out } = await hoptrace('traces', '--json', '--file', join(dir, 'collector.jsonl'));
    expect((JSON.parse(out) as TraceSummary[]).map((t) => t.rootName)).toEqual(['job 3', 'job 2', 'job 1']);
    const streamed = await analyze(await fileSource([join(dir, 'collector.jsonl')], [], 10));
    expect(streamed.counts).toMatchObject({ records: 3, spans: 3, skippedRecords: 0 });
  });

  it('trace <id> --json: the contract shape; the waterfall in text; an unknown id fails', async () => {
    const file = join(dir, 'single.json');
    const detail = JSON.parse((await hoptrace('trace', traceId(1), '--json', '--file', file)).out) as TraceDetail;
    expect(Object.keys(detail)).toEqual(expect.arrayContaining(['traceId', 'durationMs', 'spans', 'orphans']));
    expect(
      detail.spans.map((s) => [
        s.spanId,
        s.parentSpanId,
        s.service,
        s.name,
        s.startMs,
        s.durationMs,
        s.status,
        s.critical,
      ]),
    ).toEqual([
      [spanId(1), undefined, 'api', 'POST /orders', 0, 100, 'unset', true],
      [spanId(2), spanId(1), 'inventory', 'GET /stock', 10, 50, 'unset', true],
    ]);
    const { out } = await hoptrace('trace', traceId(1).toUpperCase(), '--file', file);
    expect(out).toContain(`trace ${traceId(1)}  2 spans, 2 service(s), 100.0 ms`);
    expect(out).toMatch(/└ GET \/stock .* \+10\.0 ms +50\.0 ms +█/);
    const error = await failure('trace', traceId(9), '--file', file);
    expect(error.message).toBe(`trace ${traceId(9)} not found in file ${file} (1 trace(s) read)`);
  });

  it('stats and map --json in the contract shapes', async () => {
    const file = join(dir, 'single.json');
    const stats = JSON.parse((await hoptrace('stats', '--json', '--file', file)).out);
    expect(stats.operations[0]).toEqual({
      service: 'api',
      name: 'POST /orders',
      count: 1,
      errors: 0,
      p50Ms: 100,
      p95Ms: 100,
      p99Ms: 100,
      histogram: [{ leMs: 100, count: 1 }],
      slowestTraceIds: [traceId(1)],
      failedTraceIds: [],
    });
    expect(stats.traces).toMatchObject({ count: 1, withOrphans: 0 });
    const map = JSON.parse((await hoptrace('map', '--json', '--file', file)).out);
    expect(map.edges).toEqual([
      { from: 'api', to: 'inventory', kind: 'sync', count: 1, errors: 0, failures: NO_FAILURES, p95Ms: 50 },
    ]);
    expect((await hoptrace('map', '--file', file)).out).toContain(
      'api ───sync──▶ inventory  (1 call(s), 0 error(s), p95 50.0 ms)',
    );
  });

  it('view writes one HTML file with the report data', async () => {
    const out = join(dir, 'report.html');
    const { out: said } = await hoptrace('view', '--out', out, '--file', join(dir, 'single.json'));
    expect(said).toBe(`wrote ${out} (1 trace(s))`);
    const html = readFileSync(out, 'utf8');
    const data = JSON.parse(/<script type="application\/json" id="hoptrace-data">(.*?)<\/script>/s.exec(html)![1]!);
    expect(Object.keys(data.details)).toEqual([traceId(1)]);
    expect(data.details[traceId(1)].spans).toHaveLength(2);
  });

  it('rejects bad command lines with usage (exit 2), and a missing path with exit 1', async () => {
    expect((await failure('traces')).exitCode).toBe(2);
    expect((await failure('frobnicate', '--dir', dir)).exitCode).toBe(2);
    expect((await failure('traces', '--dir', dir, '--min-duration', 'fast')).message).toMatch(
      /--min-duration fast: expected a number and a unit/,
    );
    expect((await failure('trace', 'abc', '--dir', dir)).message).toBe(
      '"abc" is not a trace id (32 hex digits, not all zeros)',
    );
    const missing = await failure('traces', '--file', join(dir, 'nope'));
    expect([missing.exitCode, missing.message]).toEqual([1, `no such file or directory: ${join(dir, 'nope')}`]);
  });
});
