import type { PlainValue } from '../../../src/otlp/values';
import type { FailureSplit, TraceSummary } from '../model';
import { attributeNumber, attributeText } from '../query/evaluate';

// What a failed span says about its failure, read the same way from every source: the
// status message, else the exception event's message; the exception's type; the HTTP status
// (semantic conventions 1.23+ and the older name).

/** What a failed span carries of its failure, kept while it is read. */
export type Failure = Omit<NonNullable<TraceSummary['error']>, 'service' | 'name'>;

type Lookup = (key: string) => PlainValue | undefined;

const HTTP_STATUS_KEYS = ['http.response.status_code', 'http.status_code'];

export function failureOf(
  statusMessage: string | undefined,
  attributes: Lookup,
  events: ReadonlyArray<{ name: string; attribute: Lookup }>,
): Failure {
  const exception = events.find((e) => e.name === 'exception');
  const text = (value: PlainValue | undefined): string | null =>
    value === undefined || value === null ? null : attributeText(value);
  let httpStatus: number | null = null;
  for (const key of HTTP_STATUS_KEYS) {
    const value = attributes(key);
    const n = value === undefined ? undefined : attributeNumber(value);
    if (n !== undefined) {
      httpStatus = n;
      break;
    }
  }
  return {
    message:
      statusMessage !== undefined && statusMessage !== ''
        ? statusMessage
        : text(exception?.attribute('exception.message')),
    type: text(exception?.attribute('exception.type')),
    httpStatus,
  };
}

/** How the report tells failures apart: throttling, the caller's fault (4xx), the service's (5xx). */
export type FailureClass = 'throttle' | '4xx' | '5xx' | 'error';

const THROTTLING =
  /throttl|too ?many ?requests|provisionedthroughputexceeded|requestlimitexceeded|slow ?down|rate ?exceeded/i;

export function failureClass(error: Pick<Failure, 'message' | 'type' | 'httpStatus'>): FailureClass {
  if (error.httpStatus === 429 || THROTTLING.test(error.type ?? '') || THROTTLING.test(error.message ?? ''))
    return 'throttle';
  if (error.httpStatus !== null && error.httpStatus >= 400 && error.httpStatus < 500) return '4xx';
  if (error.httpStatus !== null && error.httpStatus >= 500 && error.httpStatus < 600) return '5xx';
  return 'error';
}

/** A split of no failures, for a map element to count into. */
export const noFailures = (): FailureSplit => ({ throttle: 0, '4xx': 0, '5xx': 0 });
