import { isAuthorized, presentedKey } from './auth';
import type { IngestConfig } from './config';
import { decodeExportRequest } from './decode';
import { HttpError } from './http-error';
import { writeRecords, type PutRecords } from './kinesis-writer';
import { buildRecords } from './records';
import { decodeRequest, lowerCaseHeaders, type HttpEvent } from './request';
import { errorResponse, exportResponse, type HttpResponse } from './response';

const RETRY_AFTER_SECONDS = '2';

function log(level: 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  console[level](JSON.stringify({ level, message, ...fields }));
}

/** The ingest's work for one request, with its dependencies passed in (tests give fakes). */
export async function ingest(event: HttpEvent, config: IngestConfig, putRecords: PutRecords, deadlineMs: number): Promise<HttpResponse> {
  try {
    const headers = lowerCaseHeaders(event.headers);
    if (config.apiKeys && !isAuthorized(presentedKey(headers), config.apiKeys)) {
      throw new HttpError(401, 'missing or invalid API key: send it as x-api-key or Authorization: Bearer', { 'www-authenticate': 'Bearer' });
    }
    const request = decodeRequest(event, config.maxBodyBytes, headers);
    const decoded = decodeExportRequest(request.json, {
      maxCount: config.maxAttributesPerSpan,
      maxValueLength: config.maxAttributeValueLength,
      redactor: config.redactor,
    });
    const { records, oversized } = buildRecords(decoded.groups);
    if (oversized > 0) {
      decoded.rejected += oversized;
      decoded.accepted -= oversized;
      decoded.reasons.push(`${oversized} span(s) larger than a 1 MiB stream record`);
    }
    const written = await writeRecords(records, config.streamName, putRecords, deadlineMs);
    if (written.failed.length > 0) {
      const spans = written.failed.reduce((n, r) => n + r.spans, 0);
      log('error', 'records not accepted by the stream', { records: written.failed.length, spans, lastError: written.lastError, stream: config.streamName });
      throw new HttpError(503, `the stream did not accept ${spans} span(s) in time (${written.lastError ?? 'unknown error'}); retry later`, {
        'retry-after': RETRY_AFTER_SECONDS,
      });
    }
    if (decoded.stats.truncatedValues > 0 || decoded.rejected > 0) {
      log('warn', 'request partly refused or cut', { rejected: decoded.rejected, truncatedValues: decoded.stats.truncatedValues, reasons: decoded.reasons });
    }
    return exportResponse(decoded.rejected, decoded.reasons);
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(error);
    log('error', 'ingest failed', { error: (error as Error).stack ?? String(error) });
    return errorResponse(new HttpError(500, 'internal error'));
  }
}
