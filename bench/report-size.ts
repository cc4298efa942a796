// The HTML report's size as `hoptrace view` writes it (spans held only for the traces that need
// them: cli/src/analysis/report-detail.ts) against the same report with every trace in full, as
// it was before: 5,000 traces of 11 spans shaped like a Lambda's (one in ten failed) and one of
// 10,000, read from stream records exactly as the ingest writes them; and how soon each shows
// its first row in Chromium.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { analyze } from '../cli/src/analyze';
import { viewData } from '../cli/src/report-data';
import type { Source } from '../cli/src/sources/source';
import { renderReport } from '../cli/src/view/report';
import { otlpPayload } from './payload';
import { median } from './stats';
import { firstRowMs, launchChromium } from './viewer';

export interface ReportSizeFigures {
  traces: number;
  spans: number;
  inFull: number;
  reportBytes: number;
  fullBytes: number;
  /** Navigation start to the list's first row in Chromium, the report as written and in full (medians). */
  reportFirstRowMs: number;
  fullFirstRowMs: number;
}

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });

/** Every `failEvery`-th trace's root marked failed, as a report's traces are. */
function records(traces: number, spansPerTrace: number, failEvery: number): Buffer[] {
  type Span = { parentSpanId?: string; status: unknown; startTimeUnixNano: string; endTimeUnixNano: string };
  const request = JSON.parse(otlpPayload(traces, spansPerTrace)) as {
    resourceSpans: Array<{ scopeSpans: Array<{ spans: Span[] }> }>;
  };
  let roots = 0;
  for (const span of request.resourceSpans[0]!.scopeSpans[0]!.spans) {
    if (span.parentSpanId !== undefined) continue;
    // Roots answer in 20 to 420 ms, spread, as real ones do.
    span.endTimeUnixNano = String(BigInt(span.startTimeUnixNano) + BigInt(20 + ((roots * 7919) % 400)) * 1_000_000n);
    if (roots++ % failEvery === 0) span.status = { code: 2, message: 'card_declined' };
  }
  const decoded = decodeExportRequest(
    { format: 'json', text: JSON.stringify(request) },
    { maxCount: 128, maxValueLength: 8192, redactor: config.redactor },
  );
  return buildRecords(decoded.groups).records.map((r) => Buffer.from(r.data));
}

export async function reportSize(runs: number): Promise<ReportSizeFigures> {
  // In requests of 500 traces, as an ingest takes them.
  const data = [
    ...Array.from({ length: 10 }, (_, i) => records(i < 9 ? 500 : 499, 11, 10)).flat(),
    ...records(1, 10_000, 1_000_000),
  ];
  const source: Source = {
    description: 'bench records',
    async *records() {
      for (const record of data) yield { data: record };
    },
  };
  const report = await viewData(source, {}, 5_000);
  const full = await analyze(source, { detail: () => true });
  const pages = {
    report: renderReport(report),
    full: renderReport({ ...report, details: Object.fromEntries(full.details) }),
  };
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-bench-report-size-'));
  const times = { report: [] as number[], full: [] as number[] };
  const context = await launchChromium(dir);
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    for (const name of ['report', 'full'] as const) writeFileSync(join(dir, `${name}.html`), pages[name]);
    // Alternating, so both see the same load on the machine.
    for (let i = 0; i < runs; i++)
      for (const name of ['report', 'full'] as const)
        times[name].push(await firstRowMs(page, pathToFileURL(join(dir, `${name}.html`)).href));
  } finally {
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    traces: report.traces.length,
    spans: report.traces.reduce((n, t) => n + t.spanCount, 0),
    inFull: Object.keys(report.details).length,
    reportBytes: Buffer.byteLength(pages.report),
    fullBytes: Buffer.byteLength(pages.full),
    reportFirstRowMs: median(times.report),
    fullFirstRowMs: median(times.full),
  };
}
