import { presentedKey } from './auth';
import { streamDeadline, type IngestDeadline } from './answer-deadline';
import type { IngestConfig } from './config';
import { decodeExportRequest } from './decode';
import { exportMetricLines, stampReceipt } from './export-counts';
import { HttpError } from './http-error';
import { writeRecords, type PutRecords } from './kinesis-writer';
import { log } from './log';
import { buildRecords } from './records';
import { decodeRequest, formatOf, lowerCaseHeaders, type HttpEvent } from './request';
import { errorResponse, exportResponse, type HttpResponse } from './response';
import { ANONYMOUS_TENANT, stampTenant } from './tenant';
import { KeysUnavailableError, type TenantKeyCache } from './tenant-keys';

const RETRY_AFTER_SECONDS = '2';

/** Embedded metric format lines go to stdout, where CloudWatch Logs extracts them. */
const writeLine = (line: string): void => void process.stdout.write(`${line}\n`);

/** The tenants' keys; undefined when auth is off. */
type TenantKeys = Pick<TenantKeyCache, 'tenantOf'> | undefined;

async function tenantFor(headers: Record<string, string>, keys: TenantKeys, deadlineMs: number): Promise<string> {
  if (keys === undefined) return ANONYMOUS_TENANT;
  let tenant: string | undefined;
  try {
    tenant = await keys.tenantOf(presentedKey(headers), deadlineMs);
  } catch (error) {
    if (!(error instanceof KeysUnavailableError)) throw error;
    log('error', 'the API key could not be checked', { reason: error.message });
    throw new HttpError(503, 'the ingest could not read its API keys in time; retry later', {
      'retry-after': RETRY_AFTER_SECONDS,
    });
  }
  if (tenant === undefined)
    throw new HttpError(401, 'missing or invalid API key: send it as x-api-key or Authorization: Bearer', {
      'www-authenticate': 'Bearer',
    });
  return tenant;
}

/** The ingest's work for one request, with its dependencies passed in (tests give fakes). */
export async function ingest(
  event: HttpEvent,
  config: IngestConfig,
  putRecords: PutRecords,
  deadline: IngestDeadline,
  keys: TenantKeys,
  emit: (line: string) => void = writeLine,
): Promise<HttpResponse> {
  const headers = lowerCaseHeaders(event.headers);
  // Errors answer in the request's encoding; JSON when it names neither.
  const format = formatOf(headers) ?? 'json';
  try {
    const tenant = await tenantFor(headers, keys, deadline.answerAt);
    const body = decodeRequest(event, config.maxBodyBytes, headers);
    const decoded = decodeExportRequest(
      body,
      {
        maxCount: config.maxAttributesPerSpan,
        maxValueLength: config.maxAttributeValueLength,
        redactor: config.redactor,
      },
      {
        maxSpans: config.maxSpansPerRequest,
        maxItems: config.maxItemsPerRequest,
        maxTraces: config.maxRecordsPerRequest,
      },
    );
    stampTenant(decoded.groups, tenant);
    stampReceipt(decoded.groups, deadline.receivedAt);
    const { records, oversized } = buildRecords(decoded.groups);
    // Traces were counted before decoding; a trace split over several records may still pass the limit.
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
    const written = await writeRecords(
      records,
      config.streamName,
      putRecords,
      streamDeadline(deadline, Date.now(), config),
    );
    if (written.failed.length > 0) {
      const spans = written.failed.reduce((n, r) => n + r.spans, 0);
      log('error', 'records not accepted by the stream', {
        records: written.failed.length,
        spans,
        lastError: written.lastError,
        stream: config.streamName,
        tenant,
      });
      throw new HttpError(
        503,
        `the stream did not accept ${spans} span(s) in time (${written.lastError ?? 'unknown error'}); retry later`,
        {
          'retry-after': RETRY_AFTER_SECONDS,
        },
      );
    }
    const { truncatedValues, redactedValues } = decoded.stats;
    if (truncatedValues > 0 || redactedValues > 0 || decoded.rejected > 0) {
      log('warn', 'request partly refused, cut or redacted', {
        tenant,
        rejected: decoded.rejected,
        truncatedValues,
        redactedValues,
        reasons: decoded.reasons,
      });
    }
    // Counted once the request is taken: a request answered 503 comes again, and counts then.
    for (const line of exportMetricLines(decoded.exports, config.metricsNamespace, Date.now())) emit(line);
    return exportResponse(format, decoded.rejected, decoded.reasons);
  } catch (error) {
    if (error instanceof HttpError) return errorResponse(format, error);
    log('error', 'ingest failed', { error: (error as Error).stack ?? String(error) });
    return errorResponse(format, new HttpError(500, 'internal error'));
  }
}
