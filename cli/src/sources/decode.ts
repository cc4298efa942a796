import { gunzipSync } from 'node:zlib';
import { isObject } from '../../../src/guards';
import type { OtlpExportRequest } from '../../../src/otlp/types';

/** A record or line that is not a readable export request; the reader counts it and goes on. */
export class BadRecord extends Error {}

/** Ingest records start with gzip's magic bytes (DESIGN.md, "Stream record format"). */
export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** The text of a record: gunzipped when it is gzip, else taken as UTF-8 JSON. */
export function recordText(data: Buffer): string {
  if (isGzip(data)) {
    try {
      return gunzipSync(data).toString('utf8');
    } catch (error) {
      throw new BadRecord(`gzip that does not decompress (truncated or corrupt): ${(error as Error).message}`);
    }
  }
  const first = data.subarray(0, 64).toString('utf8').trimStart()[0];
  if (first !== '{') throw new BadRecord('neither gzip nor JSON');
  return data.toString('utf8');
}

/** One OTLP JSON `ExportTraceServiceRequest`; spans inside are checked one by one later. */
export function parseRequest(text: string): OtlpExportRequest {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRecord(`not JSON (${(error as Error).message})`);
  }
  if (!isObject(body) || !Array.isArray(body.resourceSpans)) throw new BadRecord('JSON that is not an OTLP ExportTraceServiceRequest (no resourceSpans array)');
  return body as unknown as OtlpExportRequest;
}

/**
 * The export requests of one text: the whole text, or one per line as the Collector's file
 * exporter writes them (recognised by a first line that parses on its own).
 */
export function splitRequests(text: string): string[] {
  const firstBreak = text.indexOf('\n');
  if (firstBreak < 0 || text.slice(firstBreak).trim() === '') return [text];
  try {
    JSON.parse(text.slice(0, firstBreak));
  } catch {
    return [text];
  }
  return text.split('\n').filter((line) => line.trim() !== '');
}
