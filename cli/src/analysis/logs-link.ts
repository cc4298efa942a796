import type { PlainValue } from '../../../src/otlp/values';
import type { TraceDetail, TraceSpan } from '../model';
import { attributeText } from '../query/evaluate';
import { listElements } from './dependency';

// From a trace to its log lines: a CloudWatch Logs Insights query and the console URL that
// opens it, for the whole trace (per region, over the log groups of the functions it
// crossed) and for each invocation (`@requestId` is `faas.invocation_id`). A function's log
// group is `aws.log.group.names` when its spans say, else Lambda's `/aws/lambda/<faas.name>`;
// the region is `cloud.region`. The trace's query matches its id anywhere in the line: the
// log correlation writes it as a JSON field (`"trace_id":"…"`) or as text (`trace_id=…`).

export interface LogsQuery {
  /** The whole trace, or one invocation (`spanId`, `invocationId`). */
  scope: 'trace' | 'invocation';
  spanId?: string;
  invocationId?: string;
  region: string | null;
  logGroups: string[];
  /** ISO 8601: the span's time, a minute before and five after (lines are written after a span's end too). */
  start: string;
  end: string;
  query: string;
  /** The console's Logs Insights page with the query, log groups and time range set; null without a region. */
  url: string | null;
}

const BEFORE_MS = 60_000;
const AFTER_MS = 5 * 60_000;

const attribute = (span: TraceSpan, key: string): PlainValue | undefined =>
  Object.hasOwn(span.attributes, key)
    ? span.attributes[key]
    : Object.hasOwn(span.resource, key)
      ? span.resource[key]
      : undefined;

const textOf = (span: TraceSpan, key: string): string | undefined => {
  const value = attribute(span, key);
  return value === undefined || value === null ? undefined : attributeText(value);
};

/** A list attribute: an array, or the span table's JSON text of one. */
function listOf(value: PlainValue | undefined): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map((v) => attributeText(v));
  const text = attributeText(value);
  if (!text.startsWith('[')) return [text];
  return (listElements(text) ?? []).filter((v): v is string => v !== undefined);
}

/** The log groups a span's lines are written to; none for a span of no function. */
export function logGroupsOf(span: TraceSpan): string[] {
  const named = listOf(attribute(span, 'aws.log.group.names'));
  if (named.length > 0) return named;
  const fn = textOf(span, 'faas.name');
  return fn === undefined ? [] : [`/aws/lambda/${fn}`];
}

/** A value as the console's query detail writes it: URI-encoded with `*` for `%`, every mark it uses as structure encoded too. */
const primitive = (value: string | number | boolean): string =>
  typeof value === 'string'
    ? `'${encodeURIComponent(value)
        .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
        .replace(/%/g, '*')}`
    : String(value);

/** The console URL of a Logs Insights query (its query detail is an object in the console's own notation, escaped twice). */
export function insightsUrl(
  region: string,
  logGroups: readonly string[],
  query: string,
  start: string,
  end: string,
): string {
  const detail = `~(end~${primitive(end)}~start~${primitive(start)}~timeType~${primitive('ABSOLUTE')}~tz~${primitive('UTC')}~editorString~${primitive(query)}~source~(${logGroups.map((g) => `~${primitive(g)}`).join('')}))`;
  const escaped = detail.replace(/[~()']/g, (c) => `$25${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `https://${region}.console.aws.amazon.com/cloudwatch/home?region=${encodeURIComponent(region)}#logsV2:logs-insights$3FqueryDetail$3D${escaped}`;
}

const FIELDS = 'fields @timestamp, @log, @message';

function logsQuery(base: Omit<LogsQuery, 'start' | 'end' | 'url'>, fromMs: number, toMs: number): LogsQuery {
  const start = new Date(Math.floor((fromMs - BEFORE_MS) / 1000) * 1000).toISOString();
  const end = new Date(Math.ceil((toMs + AFTER_MS) / 1000) * 1000).toISOString();
  return {
    ...base,
    start,
    end,
    url: base.region === null ? null : insightsUrl(base.region, base.logGroups, base.query, start, end),
  };
}

/** The trace's queries (one per region) and one per invocation, in that order. */
export function logsQueries(detail: TraceDetail): LogsQuery[] {
  const origin = detail.startTime !== undefined ? Date.parse(detail.startTime) : 0;
  const regions = new Map<string | null, Set<string>>();
  const invocations: LogsQuery[] = [];
  for (const span of detail.spans) {
    const groups = logGroupsOf(span);
    if (groups.length === 0) continue;
    const region = textOf(span, 'cloud.region') ?? null;
    let known = regions.get(region);
    if (!known) regions.set(region, (known = new Set()));
    for (const g of groups) known.add(g);
    const invocationId = textOf(span, 'faas.invocation_id');
    if (invocationId === undefined) continue;
    const query = `${FIELDS}\n| filter @requestId = ${JSON.stringify(invocationId)}\n| sort @timestamp asc`;
    invocations.push(
      logsQuery(
        { scope: 'invocation', spanId: span.spanId, invocationId, region, logGroups: groups, query },
        origin + span.startMs,
        origin + span.startMs + span.durationMs,
      ),
    );
  }
  const query = `${FIELDS}\n| filter @message like ${JSON.stringify(detail.traceId)}\n| sort @timestamp asc`;
  const traces = [...regions].map(([region, groups]) =>
    logsQuery({ scope: 'trace', region, logGroups: [...groups].sort(), query }, origin, origin + detail.durationMs),
  );
  return [...traces, ...invocations];
}
