// Sixty checkout traces over forty minutes, as the real read side turns them into a report
// (viewData on OTLP records): api → inventory → DynamoDB table `stock` (every other trace),
// cold starts with their init span before the invocation, and failures of each class:
// inventory answers 503 or 404, DynamoDB throttles. Trace 42 is the slow one.
import type { ViewData } from '../../cli/src/model';
import { viewData } from '../../cli/src/report-data';
import type { Source } from '../../cli/src/sources/source';
import { memorySource, record, request, traceId, type Spec } from '../unit/cli/traces';

const SERVER = 2;
const CLIENT = 3;
export const REPORT_TRACES = 60;
export const SLOW_TRACE = 42;

export const isColdTrace = (i: number): boolean => i % 20 === 0;
export const callsTable = (i: number): boolean => i % 2 === 0;
export const inventoryStatus = (i: number): number | undefined => (i % 10 === 3 ? 503 : i % 10 === 5 ? 404 : undefined);
export const isThrottled = (i: number): boolean => i % 10 === 6;

const text = (value: string) => ({ stringValue: value });

/** Trace i's root duration (ms). */
export const durationOf = (i: number): number => (i === SLOW_TRACE ? 3000 : 50 + ((i * 37) % 400));

function traceSpecs(i: number): Spec[] {
  const trace = i + 1;
  const start = i * 40_000;
  const ms = durationOf(i);
  const status = inventoryStatus(i);
  const specs: Spec[] = [
    {
      trace,
      id: 1,
      name: 'POST /orders',
      kind: SERVER,
      start,
      end: start + ms,
      attributes: [{ key: 'faas.coldstart', value: { boolValue: isColdTrace(i) } }],
    },
    { trace, id: 2, parent: 1, name: 'GET inventory', kind: CLIENT, start: start + 2, end: start + ms - 2 },
    {
      trace,
      id: 3,
      parent: 2,
      service: 'inventory',
      name: 'GET /stock',
      kind: SERVER,
      start: start + 3,
      end: start + ms - 3,
      ...(status !== undefined
        ? {
            error: status === 503 ? 'unavailable' : 'no such item',
            attributes: [{ key: 'http.response.status_code', value: { intValue: status } }],
          }
        : {}),
    },
  ];
  if (isColdTrace(i))
    specs.push({
      trace,
      id: 9,
      parent: 1,
      name: 'init',
      start: start - 400,
      end: start,
      attributes: [{ key: 'hoptrace.init_type', value: text('on-demand') }],
    });
  if (callsTable(i)) {
    specs.push({
      trace,
      id: 4,
      parent: 3,
      service: 'inventory',
      name: 'DynamoDB.GetItem',
      kind: CLIENT,
      start: start + 5,
      end: start + 15,
      attributes: [
        { key: 'db.system', value: text('dynamodb') },
        { key: 'rpc.service', value: text('DynamoDB') },
        { key: 'aws.dynamodb.table_names', value: { arrayValue: { values: [text('stock')] } } },
      ],
      ...(isThrottled(i)
        ? {
            error: 'Rate of requests exceeds the allowed throughput',
            events: [
              {
                at: start + 14,
                name: 'exception',
                attributes: [{ key: 'exception.type', value: text('ThrottlingException') }],
              },
            ],
          }
        : {}),
    });
  }
  return specs;
}

export const reportTraceId = (i: number): string => traceId(i + 1);

/** The traces as export requests, one a trace. */
export const reportRequests = (): Array<Record<string, unknown>> =>
  Array.from({ length: REPORT_TRACES }, (_, i) => request(traceSpecs(i)));

/** The traces as stream records (gzipped OTLP JSON), one a trace. */
export const reportSource = (): Source =>
  memorySource(Array.from({ length: REPORT_TRACES }, (_, i) => record(traceSpecs(i))));

/** The report's data, read from the traces' records by the command's own code. */
export const reportData = (): Promise<ViewData> => viewData(reportSource(), {}, 5_000);
