import { inflateStreamRecord, isGzip, StreamRecordError } from '../../../src/otlp/stream-record';

/**
 * The text of a record or file: a stream record (gzip) inflated, within the stream's limit,
 * else taken as UTF-8 JSON. Parse it with `parseExportRequest` from the same stream-record
 * module the stream's writer uses.
 */
export function recordText(data: Buffer): string {
  if (isGzip(data)) return inflateStreamRecord(data).toString('utf8');
  const first = data.subarray(0, 64).toString('utf8').trimStart()[0];
  if (first !== '{') throw new StreamRecordError('neither gzip nor JSON');
  return data.toString('utf8');
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
