import { readdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeSpanTable } from '../cli/src/archive/duckdb-table';
import { transform, type TransformedRecord } from '../handlers/archive/transform';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { answeredRows, firehoseEvents } from '../testing/firehose';
import { spansPerCpuSecond } from './ingest';
import { otlpPayload } from './payload';

export interface ArchiveResult {
  spansPerSecond: number;
  boundSpansPerSecond: number;
  /** Bytes of rows the transformation answers per byte of gzipped record it reads. */
  rowBytesPerRecordByte: number;
  streamBytesPerSpan: number;
  parquetBytesPerSpan: number;
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .reduce((n, e) => n + statSync(join(e.parentPath, e.name)).size, 0);
}

/**
 * The Firehose transformation on 10,000 spans of stream records as the ingest writes them
 * (1,000 traces of 10), in the batches Firehose hands it, against the bound: gunzip +
 * JSON.parse + JSON.stringify of the same records. Then the rows as Parquet (DuckDB, Snappy)
 * against the stream's bytes.
 */
export async function archiveThroughput(seconds: number): Promise<ArchiveResult> {
  const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });
  const decoded = decodeExportRequest(
    { format: 'json', text: otlpPayload(1000, 10) },
    { maxCount: 128, maxValueLength: 8192, redactor: config.redactor },
  );
  const built = buildRecords(decoded.groups).records;
  const spans = built.reduce((n, r) => n + r.spans, 0);
  const records = built.map((r) => ({ shardId: 's', partitionKey: r.partitionKey, data: r.data }));
  const events = firehoseEvents(records);
  const refuse = async (): Promise<never> => {
    throw new Error('nothing is put back at this size');
  };
  let answered: TransformedRecord[] = [];
  const spansPerSecond = await spansPerCpuSecond(spans, seconds, async () => {
    answered = [];
    for (const event of events)
      answered.push(
        ...(await transform(event, { streamName: 'bench', putRecords: refuse, deadlineMs: Date.now() + 10_000 }))
          .records,
      );
  });
  const rowBytes = answered.reduce((n, r) => n + Buffer.byteLength(r.data, 'base64'), 0);
  const answers = answeredRows(answered);
  const boundSpansPerSecond = await spansPerCpuSecond(spans, seconds, () => {
    for (const r of records) JSON.stringify(JSON.parse(gunzipSync(r.data).toString('utf8')));
  });
  const streamBytes = records.reduce((n, r) => n + r.data.length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'hoptrace-bench-table-'));
  try {
    await writeSpanTable(answers, dir);
    return {
      spansPerSecond,
      boundSpansPerSecond,
      rowBytesPerRecordByte: rowBytes / streamBytes,
      streamBytesPerSpan: streamBytes / spans,
      parquetBytesPerSpan: sizeOf(dir) / spans,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
