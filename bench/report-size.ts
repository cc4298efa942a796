// The HTML report's size as `hoptrace view` writes it (spans held only for the traces that need
// them: cli/src/analysis/report-detail.ts) against the same report with every trace in full, as
// it was before: 5,000 traces of 11 spans shaped like a Lambda's (one in ten failed) and one of
// 10,000, read from stream records exactly as the ingest writes them.
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { analyze } from '../cli/src/analyze';
import { viewData } from '../cli/src/report-data';
import type { Source } from '../cli/src/sources/source';
import { renderReport } from '../cli/src/view/report';
import { otlpPayload } from './payload';

export interface ReportSizeFigures {
  traces: number;
  spans: number;
  inFull: number;
  reportBytes: number;
  fullBytes: number;
}

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });

/** Every `failEvery`-th trace's root marked failed, as a report's traces are. */
function records(traces: number, spansPerTrace: number, failEvery: number): Buffer[] {
  type Span = { parentSpanId?: string; status: unknown; startTimeUnixNano: string; endTimeUnixNano: string };
  const request = JSON.parse(otlpPayload(traces, spansPerTrace)) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }> };
  let roots = 0;
  for (const span of request.resourceSpans[0]!.scopeSpans[0]!.spans) {
    if (span.parentSpanId !== undefined) continue;
    // Roots answer in 20 to 420 ms, spread, as real ones do.
    span.endTimeUnixNano = String(BigInt(span.startTimeUnixNano) + BigInt(20 + ((roots * 7919) % 400)) * 1_000_000n);
    if (roots++ % failEvery === 0) span.status = { code: 2, message: 'card_declined' };
  }
  const decoded = decodeExportRequest({ format: 'json', text: JSON.stringify(request) }, { maxCount: 128, maxValueLength: 8192, redactor: config.redactor });
  return buildRecords(decoded.groups).records.map((r) => Buffer.from(r.data));
}

export async function reportSize(): Promise<ReportSizeFigures> {
  // In requests of 500 traces, as an ingest takes them.
  const data = [...Array.from({ length: 10 }, (_, i) => records(i < 9 ? 500 : 499, 11, 10)).flat(), ...records(1, 10_000, 1_000_000)];
  const source: Source = {
    description: 'bench records',
    async *records() {
      for (const record of data) yield { data: record };
    },
  };
  const report = await viewData(source, {}, 5_000);
  const full = await analyze(source, { detail: () => true });
  return {
    traces: report.traces.length,
    spans: report.traces.reduce((n, t) => n + t.spanCount, 0),
    inFull: Object.keys(report.details).length,
    reportBytes: Buffer.byteLength(renderReport(report)),
    fullBytes: Buffer.byteLength(renderReport({ ...report, details: Object.fromEntries(full.details) })),
  };
}
