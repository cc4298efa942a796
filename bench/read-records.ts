import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readIngestConfig } from '../handlers/ingest/config';
import { decodeExportRequest } from '../handlers/ingest/decode';
import { buildRecords } from '../handlers/ingest/records';
import { otlpPayload } from './payload';

const config = readIngestConfig({ HOPTRACE_STREAM_NAME: 'bench', HOPTRACE_INGEST_AUTH: 'none' });
const TRACES_PER_CHUNK = 1000;

/**
 * Stream records exactly as the ingest writes them (one trace per record, gzipped OTLP JSON),
 * one file each, under `dir`: `traces` traces of `spansPerTrace` spans. Returns the bytes of
 * OTLP JSON they hold, for the memory figure's reference.
 */
export function writeRecordFiles(
  dir: string,
  traces: number,
  spansPerTrace: number,
): { files: number; jsonBytes: number } {
  let files = 0;
  let jsonBytes = 0;
  for (let done = 0; done < traces; done += TRACES_PER_CHUNK) {
    const json = otlpPayload(Math.min(TRACES_PER_CHUNK, traces - done), spansPerTrace);
    jsonBytes += Buffer.byteLength(json);
    const decoded = decodeExportRequest(
      { format: 'json', text: json },
      { maxCount: 128, maxValueLength: 8192, redactor: config.redactor },
    );
    const sub = join(dir, String(done / TRACES_PER_CHUNK).padStart(4, '0'));
    mkdirSync(sub, { recursive: true });
    for (const record of buildRecords(decoded.groups).records)
      writeFileSync(join(sub, `${String(files++).padStart(7, '0')}.gz`), record.data);
  }
  return { files, jsonBytes };
}
