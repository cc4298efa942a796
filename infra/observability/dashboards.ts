import { BURN_ALERTS } from './burn-alerts';
import { dashboardBody, ref, type MetricLine, type Row, type Widget } from './dashboard-body';
import { alertAlarmId } from './slo-alarms';
import { burnRateExpression, describeSli, type Sli } from './slis';

export interface DashboardSettings {
  namespace: string;
  /** Log groups whose error lines are counted by type on the debug dashboard. */
  errorLogGroups: string[];
}

// CloudWatch Logs Insights reads at most 50 log groups per query; an alarm widget shows at most 100 alarms.
const MAX_LOG_GROUPS = 50;
const MAX_ALARMS = 100;
const PERIOD = 300;
const TAIL_SAMPLER = 'TailSamplerLambdaFunction';

/** SEARCH over a namespace's metrics with exactly these dimensions: one series per value. */
function searchExpression(namespace: string, dimensions: string[], metricName: string, stat: string): string {
  return `SEARCH('{${[namespace, ...dimensions].join(',')}} MetricName="${metricName}"', '${stat}', ${PERIOD})`;
}

function search(namespace: string, dimensions: string[], metricName: string, stat: string): MetricLine {
  return [{ expression: searchExpression(namespace, dimensions, metricName, stat) }];
}

/** One pipeline-wide metric (no dimensions), hidden, for an expression to use. */
function hidden(namespace: string, metricName: string, id: string, stat = 'Sum'): MetricLine {
  return [namespace, metricName, { id, stat, visible: false }];
}

function sliLine(namespace: string, sli: Sli, which: 'bad' | 'total', id: string, period: number): MetricLine {
  const metric = sli[which];
  return [
    namespace,
    metric.metricName,
    ...sli.dimensions.flatMap((d) => [d.Name, d.Value]),
    { id, stat: metric.stat, period, visible: false },
  ];
}

/** The SLI's burn rate over 5 min and over 1 h, against the alerts' factors. */
function burnRateWidget(namespace: string, sli: Sli): Widget {
  const lines: MetricLine[] = [];
  for (const [suffix, period] of [
    ['5m', 300],
    ['1h', 3600],
  ] as const) {
    lines.push(
      sliLine(namespace, sli, 'bad', `bad${suffix}`, period),
      sliLine(namespace, sli, 'total', `total${suffix}`, period),
    );
    lines.push([
      {
        expression: burnRateExpression(sli, `bad${suffix}`, `total${suffix}`),
        label: `burn rate over ${suffix}`,
        id: `burn${suffix}`,
      },
    ]);
  }
  return {
    type: 'metric',
    width: 12,
    title: `Burn rate: ${describeSli(sli)}`,
    metrics: lines,
    period: PERIOD,
    yAxis: { left: { min: 0 } },
    horizontal: BURN_ALERTS.map((a) => ({ label: `${a.severity} ${a.factor}x`, value: a.factor })),
  };
}

function pairs<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += 2) out.push(items.slice(i, i + 2));
  return out;
}

/** What someone paged looks at first: is the budget burning, is the pipeline whole. */
export function onCallRows(slis: Sli[], settings: DashboardSettings): Row[] {
  const ns = settings.namespace;
  const alerts = slis.flatMap((sli) => [alertAlarmId(sli, 'page'), alertAlarmId(sli, 'ticket')]);
  if (alerts.length > MAX_ALARMS)
    throw new Error(
      `${slis.length} SLIs make ${alerts.length} alerts, more than the ${MAX_ALARMS} an alarm widget shows (each SLI has a page and a ticket): set fewer`,
    );
  return [
    {
      height: 2,
      widgets: [
        {
          type: 'text',
          width: 24,
          markdown: `# hoptrace on call\nBurn rates of the SLOs set in serverless.yml (\`slos\`), the traced requests, and the trace pipeline's own health. Counted by the tail sampler over every span, before sampling. Details: [debug dashboard](#dashboards:name=${ref('AWS::StackName')}-debug).`,
        },
      ],
    },
    {
      height: 4,
      widgets: [
        alerts.length > 0
          ? {
              type: 'alarm',
              width: 24,
              title:
                'SLO alerts (page: 14.4x over 1 h and 5 min, or 6x over 6 h and 30 min; ticket: 1x over 3 d and 6 h)',
              alarms: alerts,
            }
          : {
              type: 'text',
              width: 24,
              markdown:
                'No SLO is set: add objectives to the `slos` parameter in serverless.yml (docs/operations/slos-and-alarms.md).',
            },
      ],
    },
    ...pairs(slis).map((two) => ({ height: 6, widgets: two.map((sli) => burnRateWidget(ns, sli)) })),
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 12,
          title: 'Error traces (% of traces)',
          metrics: [
            hidden(ns, 'ErrorTraces', 'errorTraces'),
            hidden(ns, 'Traces', 'traces'),
            [{ expression: 'IF(traces > 0, 100 * errorTraces / traces, 0)', label: 'all services', id: 'rate' }],
          ],
          period: PERIOD,
          yAxis: { left: { min: 0, label: '%' } },
        },
        {
          type: 'metric',
          width: 12,
          title: 'Error traces per service',
          metrics: [search(ns, ['service'], 'ErrorTraces', 'Sum')],
          period: PERIOD,
          stat: 'Sum',
        },
      ],
    },
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 12,
          title: 'p99 per operation (ms)',
          metrics: [search(ns, ['service', 'operation'], 'Duration', 'p99')],
          period: PERIOD,
        },
        {
          type: 'metric',
          width: 12,
          title: 'p99 per function (ms, AWS/Lambda Duration)',
          metrics: [search('AWS/Lambda', ['FunctionName'], 'Duration', 'p99')],
          period: PERIOD,
        },
      ],
    },
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 12,
          title: 'Cold starts per function',
          metrics: [search(ns, ['function'], 'ColdStarts', 'Sum')],
          period: PERIOD,
          stat: 'Sum',
        },
        {
          type: 'metric',
          width: 12,
          title: 'Cold-start rate (% of requests)',
          metrics: [
            [
              {
                expression: `SUM(${searchExpression(ns, ['function'], 'ColdStarts', 'Sum')})`,
                id: 'cold',
                visible: false,
              },
            ],
            [
              {
                expression: `SUM(${searchExpression(ns, ['service', 'operation'], 'Requests', 'Sum')})`,
                id: 'requests',
                visible: false,
              },
            ],
            [
              {
                expression: 'IF(requests > 0, 100 * cold / requests, 0)',
                label: 'cold starts per request',
                id: 'rate',
              },
            ],
          ],
          period: PERIOD,
          yAxis: { left: { min: 0, label: '%' } },
        },
      ],
    },
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 8,
          title: 'Pipeline: coverage, orphans, loss (%)',
          metrics: [
            hidden(ns, 'Traces', 'traces'),
            hidden(ns, 'TracesWithRoot', 'withRoot'),
            hidden(ns, 'Spans', 'spans'),
            hidden(ns, 'OrphanSpans', 'orphans'),
            hidden(ns, 'SpansSent', 'sent'),
            hidden(ns, 'SpansStored', 'stored'),
            [
              {
                expression: 'IF(traces > 0, 100 * withRoot / traces, 100)',
                label: 'coverage: traces with their root',
                id: 'coverage',
              },
            ],
            [
              {
                expression: 'IF(spans > 0, 100 * orphans / spans, 0)',
                label: 'orphan spans',
                id: 'orphanRatio',
                yAxis: 'right',
              },
            ],
            [
              {
                expression: 'IF(sent > 0, 100 * (1 - stored / sent), 0)',
                label: 'loss: sent, not stored',
                id: 'loss',
                yAxis: 'right',
              },
            ],
          ],
          period: PERIOD,
        },
        {
          type: 'metric',
          width: 8,
          title: 'Export latency (ms, span end to ingest)',
          metrics: [
            [ns, 'ExportLatency', { stat: 'p50', label: 'p50' }],
            [ns, 'ExportLatency', { stat: 'p99', label: 'p99' }],
          ],
          period: PERIOD,
        },
        {
          type: 'metric',
          width: 8,
          title: 'Tail sampler iterator age (ms)',
          metrics: [
            [
              'AWS/Lambda',
              'IteratorAge',
              'FunctionName',
              ref(TAIL_SAMPLER),
              { stat: 'Maximum', label: 'oldest record read' },
            ],
          ],
          period: PERIOD,
          horizontal: [{ label: 'alarm', value: 900000 }],
        },
      ],
    },
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 12,
          title: 'Wrappers: spooled, dropped, breaker opens',
          metrics: ['SpansSpooled', 'SpansDropped', 'BreakerOpens'].map((name) => [
            ns,
            name,
            { stat: 'Sum', label: name },
          ]),
          period: PERIOD,
          stat: 'Sum',
        },
        {
          type: 'metric',
          width: 12,
          title: 'Tail sampler: forward failures, spans set aside',
          metrics: ['ForwardFailures', 'RefusedSpans', 'SetAsideSpans'].map((name) => [
            ns,
            name,
            { stat: 'Sum', label: name },
          ]),
          period: PERIOD,
          stat: 'Sum',
        },
      ],
    },
  ];
}

/** Where to look next: each operation's latency distribution, its requests and errors, the errors by type. */
export function debugRows(slis: Sli[], settings: DashboardSettings): Row[] {
  if (settings.errorLogGroups.length === 0 || settings.errorLogGroups.length > MAX_LOG_GROUPS) {
    throw new Error(
      `errorLogGroups names ${settings.errorLogGroups.length} log groups; Logs Insights reads 1 to ${MAX_LOG_GROUPS}`,
    );
  }
  const ns = settings.namespace;
  const percentiles = ['p50', 'p90', 'p99', 'p99.9'];
  const latencySlis = slis.filter((sli) => sli.kind === 'latency');
  return [
    {
      height: 2,
      widgets: [
        {
          type: 'text',
          width: 24,
          markdown: `# hoptrace debug\nEach operation's latency distribution, requests and errors, and the errors by type. Back to [on call](#dashboards:name=${ref('AWS::StackName')}-on-call).`,
        },
      ],
    },
    ...pairs(percentiles).map((two) => ({
      height: 6,
      widgets: two.map(
        (p): Widget => ({
          type: 'metric',
          width: 12,
          title: `Latency ${p} per operation (ms)`,
          metrics: [search(ns, ['service', 'operation'], 'Duration', p)],
          period: PERIOD,
        }),
      ),
    })),
    ...latencySlis.map((sli) => ({
      height: 6,
      widgets: [
        {
          type: 'metric' as const,
          width: 12,
          title: `Latency distribution: ${sli.slo.name} (ms)`,
          metrics: [...percentiles, 'Maximum'].map((stat) => [
            ns,
            'Duration',
            ...sli.dimensions.flatMap((d) => [d.Name, d.Value]),
            { stat, label: stat },
          ]),
          period: PERIOD,
          horizontal: [{ label: 'SLO threshold', value: sli.slo.latency!.thresholdMs }],
        },
        {
          type: 'metric' as const,
          width: 12,
          title: `Over the threshold: ${describeSli(sli)} (% of requests)`,
          metrics: [
            sliLine(ns, sli, 'bad', 'bad', PERIOD),
            sliLine(ns, sli, 'total', 'total', PERIOD),
            [
              {
                expression: 'IF(total > 0, 100 * bad / total, 0)',
                label: `over ${sli.slo.latency!.thresholdMs} ms`,
                id: 'share',
              },
            ],
          ],
          period: PERIOD,
          horizontal: [{ label: 'budget', value: Number((100 * (1 - sli.objective)).toPrecision(10)) }],
        },
      ],
    })),
    {
      height: 6,
      widgets: [
        {
          type: 'metric',
          width: 12,
          title: 'Requests per operation',
          metrics: [search(ns, ['service', 'operation'], 'Requests', 'Sum')],
          period: PERIOD,
          stat: 'Sum',
        },
        {
          type: 'metric',
          width: 12,
          title: 'Errors per operation',
          metrics: [search(ns, ['service', 'operation'], 'Errors', 'Sum')],
          period: PERIOD,
          stat: 'Sum',
        },
      ],
    },
    {
      height: 8,
      widgets: [
        {
          type: 'log',
          width: 12,
          title: 'Top error types (uncaught errors in the functions’ logs)',
          logGroups: settings.errorLogGroups,
          query:
            'parse @message /"errorType"\\s*:\\s*"(?<errorType>[^"]+)"/ | filter ispresent(errorType) | stats count(*) as errors by errorType | sort errors desc | limit 20',
        },
        {
          type: 'log',
          width: 12,
          title: 'Tail sampler errors, by message',
          logGroups: [`/aws/lambda/${ref(TAIL_SAMPLER)}`],
          query: 'filter level = "error" | stats count(*) as lines by message | sort lines desc | limit 20',
        },
      ],
    },
  ];
}

/** The two AWS::CloudWatch::Dashboard resources. */
export function dashboards(slis: Sli[], settings: DashboardSettings) {
  const dashboard = (suffix: string, rows: Row[]) => ({
    Type: 'AWS::CloudWatch::Dashboard',
    Properties: { DashboardName: { 'Fn::Sub': `\${AWS::StackName}-${suffix}` }, DashboardBody: dashboardBody(rows) },
  });
  return {
    OnCallDashboard: dashboard('on-call', onCallRows(slis, settings)),
    DebugDashboard: dashboard('debug', debugRows(slis, settings)),
  };
}
