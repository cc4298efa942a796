import { presentedKey, tenantOf, type TenantKey } from './auth';
import type { IngestConfig } from './config';
import { decodeExportRequest } from './decode';
import { HttpError } from './http-error';
import { writeRecords, type PutRecords } from './kinesis-writer';
import { buildRecords } from './records';
import { decodeRequest, formatOf, lowerCaseHeaders, type HttpEvent } from './request';
import { errorResponse, exportResponse, type HttpResponse } from './response';
import { ANONYMOUS_TENANT, stampTenant } from './tenant';

const RETRY_AFTER_SECONDS = '2';

/** The tenants' keys, read on first use; undefined when auth is off. */
export type TenantKeys = (() => Promise<readonly TenantKey[]>) | undefined;

function log(level: 'warn' | 'error', message: string, fields: Record<string, unknown> = {}): void {
  console[level](JSON.stringify({ level, message, ...fields }));
}

async function tenantFor(headers: Record<string, string>, keys: TenantKeys): Promise<string> {
  if (keys === undefined) return ANONYMOUS_TENANT;
  let known: readonly TenantKey[];
  try {
    known = await keys();
  } catch (error) {
    log('error', 'the API keys could not be read', { error: (error as Error).message });
    throw new HttpError(503, 'the ingest could not read its API keys; retry later', { 'retry-after': RETRY_AFTER_SECONDS });
  }
  const tenant = tenantOf(presentedKey(headers), known);
  if (tenant === undefined) throw new HttpError(401, 'missing or invalid API key: send it as x-api-key or Authorization: Bearer', { 'www-authenticate': 'Bearer' });
  return tenant;
}

/** The ingest's work for one request, with its dependencies passed in (tests give fakes). */
export async function ingest(event: HttpEvent, config: IngestConfig, putRecords: PutRecords, deadlineMs: number, keys: TenantKeys): Promise<HttpResponse> {
  const headers = lowerCaseHeaders(event.headers);
  // Errors answer in the request's encoding; JSON when it names neither.
  const format = formatOf(headers) ?? 'json';
  try {
    const tenant = await tenantFor(headers, keys);
    const body = decodeRequest(event, config.maxBodyBytes, headers);
    const decoded = decodeExportRequest(body, {
      maxCount: config.maxAttributesPerSpan,
      maxValueLength: config.maxAttributeValueLength,
      redactor: config.redactor,
    });
    stampTenant(decoded.groups, tenant);
    const { records, oversized } = buildRecords(decoded.groups);
    if (records.length > config.maxRecordsPerRequest) {
      throw new HttpError(
        413,
        `the request holds ${records.length} traces, more than the ${config.maxRecordsPerRequest} one request may write; send smaller batches (the Collector: send_batch_max_size)`,
      );
    }
    if (oversized > 0) {
      decoded.rejected += oversized;
      decoded.reasons.push(`${oversized} span(s) larger than a 1 MiB stream record`);
    }
    const written = await writeRecords(records, config.streamName, putRecords, deadlineMs);
    if (written.failed.length > 0) {
      const spans = written.failed.reduce((n, r) => n + r.spans, 0);
      log('error', 'records not accepted by the stream', { records: written.failed.length, spans, lastError: written.lastError, stream: config.streamName, tenant });
      throw new HttpError(503, `the stream did not accept ${spans} span(s) in time (${written.lastError ?? 'unknown error'}); retry later`, {
        'retry-after': RETRY_AFTER_SECONDS,
      });
    }
    const { truncatedValues, redactedValues } = decoded.stats;
    if (truncatedValues > 0 || redactedValues > 0 || decoded.rejected > 0) {
      log('warn', 'request partly refused, cut or redacted', { tenant, rejected: decoded.rejected, truncatedValues, redactedValues, reasons: decoded.reasons });
    }
    return exportResponse(format, decoded.rejected, decoded.reasons);
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(format, error);
    log('error', 'ingest failed', { error: (error as Error).stack ?? String(error) });
    return errorResponse(format, new HttpError(500, 'internal error'));
  }
}
