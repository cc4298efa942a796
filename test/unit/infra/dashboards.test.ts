import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dashboardBody, layout } from '../../../infra/observability/dashboard-body';
import { dashboardDocuments, DOCS_DIR } from '../../../infra/observability/dashboard-docs';
import { observabilityResources } from '../../../infra/observability/resources';

// The names METRICS.md agrees on (tail sampler, pipeline SLIs, wrappers' trouble), and AWS/Lambda's.
const AGREED_METRICS = new Set([
  'Requests',
  'Errors',
  'Duration',
  'ColdStarts',
  'ForwardFailures',
  'SetAsideSpans',
  'RefusedSpans',
  'Spans',
  'Traces',
  'TracesWithRoot',
  'OrphanSpans',
  'ErrorTraces',
  'ExportLatency',
  'SpansSent',
  'SpansStored',
  'SpansSpooled',
  'SpansDropped',
  'BreakerOpens',
  'IteratorAge',
]);

const SLOS = [
  {
    service: 'orders-api',
    operation: 'POST /orders',
    availability: 0.999,
    latency: { thresholdMs: 300, objective: 0.99 },
  },
  { service: 'inventory', availability: 0.995 },
];
const resources = observabilityResources({
  slos: SLOS,
  metricsNamespace: 'hoptrace',
  errorLogGroups: ['/aws/lambda/orders-api', '/aws/lambda/inventory'],
});

type Widget = { type: string; x: number; y: number; width: number; height: number; properties: Record<string, any> };
const body = (id: string): string => (resources[id]!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub'];
const widgets = (id: string): Widget[] => (JSON.parse(body(id)) as { widgets: Widget[] }).widgets;
type Line = Array<string | Record<string, any>>;
const optionsOf = (line: Line): Record<string, any> =>
  typeof line.at(-1) === 'object' ? (line.at(-1) as Record<string, any>) : {};

describe.each(['OnCallDashboard', 'DebugDashboard'])('the %s body', (id) => {
  it('places every widget on the 24-column grid, none over another', () => {
    const taken = new Set<string>();
    for (const w of widgets(id)) {
      expect(w.x + w.width, JSON.stringify(w.properties.title)).toBeLessThanOrEqual(24);
      for (let x = w.x; x < w.x + w.width; x++) {
        for (let y = w.y; y < w.y + w.height; y++) {
          expect(taken.has(`${x},${y}`), `${x},${y}`).toBe(false);
          taken.add(`${x},${y}`);
        }
      }
    }
  });

  it('substitutes only the region, the stack name, the tail sampler and the stack’s alarms', () => {
    const references = [...body(id).matchAll(/\$\{([^!}][^}]*)\}/g)].map((m) => m[1]!);
    expect(references.length).toBeGreaterThan(0);
    for (const ref of references) {
      if (ref.endsWith('.Arn')) expect(resources[ref.slice(0, -4)]?.Type, ref).toBe('AWS::CloudWatch::CompositeAlarm');
      else expect(['AWS::Region', 'AWS::StackName', 'TailSamplerLambdaFunction']).toContain(ref);
    }
  });

  it('gives each metric line an id CloudWatch takes, and each expression only ids of its widget', () => {
    for (const w of widgets(id).filter((x) => x.type === 'metric')) {
      expect(w.properties.region).toBe('${AWS::Region}');
      const lines = w.properties.metrics as Line[];
      const ids = lines.map((l) => optionsOf(l).id).filter((x): x is string => x !== undefined);
      expect(new Set(ids).size).toBe(ids.length);
      for (const i of ids) expect(i).toMatch(/^[a-z][A-Za-z0-9_]*$/);
      for (const line of lines) {
        const { expression } = optionsOf(line);
        if (expression === undefined) {
          expect(line[0]).toMatch(/^(hoptrace|AWS\/Lambda)$/);
          expect(AGREED_METRICS).toContain(line[1]);
          // Dimension names and values in pairs between the metric name and the options.
          expect((line.length - 2 - (typeof line.at(-1) === 'object' ? 1 : 0)) % 2).toBe(0);
          continue;
        }
        const names =
          String(expression)
            .replace(/'[^']*'/g, '')
            .match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];
        for (const name of names.filter((n) => !['IF', 'SUM', 'SEARCH'].includes(n)))
          expect(ids, `${w.properties.title}: ${expression}`).toContain(name);
        for (const search of String(expression).matchAll(/MetricName="([^"]+)"/g))
          expect(AGREED_METRICS).toContain(search[1]);
      }
    }
  });
});

describe('a dashboard body', () => {
  it('escapes every ${ that is not a reference, so that Fn::Sub leaves a name like a${b} as it is', () => {
    const body = dashboardBody([
      { height: 1, widgets: [{ type: 'text', width: 24, markdown: "cost ${b} and ${PROP('Dim.service')}" }] },
    ])['Fn::Sub'];
    expect(body).toContain('cost ${!b} and ${!PROP(');
    expect(body).not.toMatch(/\$\{[^!]/);
  });

  it('refuses a row wider than the grid', () => {
    const text = (width: number) => ({ type: 'text' as const, width, markdown: 'x' });
    expect(() => layout([{ height: 1, widgets: [text(12), text(13)] }])).toThrow(
      'a dashboard row is wider than 24 columns (12 + 13)',
    );
    expect(
      layout([
        { height: 2, widgets: [text(12), text(12)] },
        { height: 1, widgets: [text(24)] },
      ]).map((w) => [w.x, w.y]),
    ).toEqual([
      [0, 0],
      [12, 0],
      [0, 2],
    ]);
  });
});

describe('the on-call dashboard', () => {
  it('opens with the SLO alerts, then the burn rate of each SLI against the alerts’ factors', () => {
    const [, alerts, ...rest] = widgets('OnCallDashboard');
    expect(alerts!.type).toBe('alarm');
    expect(alerts!.properties.alarms).toEqual(
      ['OrdersApiPOSTOrdersAvailability', 'OrdersApiPOSTOrdersLatency', 'InventoryAllAvailability'].flatMap((s) => [
        `\${Slo${s}Page.Arn}`,
        `\${Slo${s}Ticket.Arn}`,
      ]),
    );
    const burn = rest.filter((w) => String(w.properties.title).startsWith('Burn rate'));
    expect(burn.map((w) => w.properties.title)).toEqual([
      'Burn rate: orders-api POST /orders: availability 99.9%',
      'Burn rate: orders-api POST /orders: latency 99% ≤ 300 ms',
      'Burn rate: inventory all: availability 99.5%',
    ]);
    expect(burn[1]!.properties.metrics).toContainEqual([
      'hoptrace',
      'Duration',
      'service',
      'orders-api',
      'operation',
      'POST /orders',
      { id: 'bad5m', stat: 'TC(300:)', period: 300, visible: false },
    ]);
    expect(burn[1]!.properties.metrics).toContainEqual([
      { expression: 'IF(total1h > 0, bad1h / total1h, 0) / 0.01', label: 'burn rate over 1h', id: 'burn1h' },
    ]);
    for (const w of burn)
      expect(w.properties.annotations.horizontal.map((h: { value: number }) => h.value)).toEqual([14.4, 6, 1]);
  });

  it('shows error traces, p99 per operation and function, cold starts, the pipeline SLIs, the iterator age and the spool', () => {
    const text = JSON.stringify(widgets('OnCallDashboard'));
    for (const metric of [
      'ErrorTraces',
      'MetricName=\\"Duration\\"',
      'ColdStarts',
      'TracesWithRoot',
      'OrphanSpans',
      'ExportLatency',
      'SpansStored',
      'IteratorAge',
      'SpansSpooled',
      'SpansDropped',
      'BreakerOpens',
      'SetAsideSpans',
    ])
      expect(text).toContain(metric);
    expect(text).toContain(`SEARCH('{AWS/Lambda,FunctionName} MetricName=\\"Duration\\"', 'p99', 300)`);
  });

  it('refuses more SLIs than its alarm widget can show', () => {
    const many = Array.from({ length: 51 }, (_, i) => ({ service: `s${i}`, operation: 'op', availability: 0.99 }));
    expect(() => observabilityResources({ slos: many, metricsNamespace: 'hoptrace', errorLogGroups: '/g' })).toThrow(
      /51 SLIs make 102 alerts, more than the 100/,
    );
  });

  it('says how to set an SLO when there is none, instead of an empty alarm list', () => {
    const none = observabilityResources({ slos: [], metricsNamespace: 'hoptrace', errorLogGroups: '/aws/lambda/a' });
    const [, first] = (
      JSON.parse((none.OnCallDashboard!.Properties.DashboardBody as { 'Fn::Sub': string })['Fn::Sub']) as {
        widgets: Widget[];
      }
    ).widgets;
    expect(first!.type).toBe('text');
    expect(first!.properties.markdown).toMatch(/No SLO is set/);
  });
});

describe('the debug dashboard', () => {
  it('shows the latency percentiles per operation, each latency SLO’s distribution and its share over the threshold', () => {
    const titles = widgets('DebugDashboard').map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        'Latency p50 per operation (ms)',
        'Latency p99.9 per operation (ms)',
        'Latency distribution: orders-api POST /orders (ms)',
      ]),
    );
  });

  it('counts the uncaught errors by type in the log groups given, and the tail sampler’s errors by message', () => {
    const logs = widgets('DebugDashboard').filter((w) => w.type === 'log');
    expect(logs.map((w) => w.properties.query.split(' | parse')[0].split(' | filter')[0])).toEqual([
      "SOURCE '/aws/lambda/orders-api' | SOURCE '/aws/lambda/inventory'",
      "SOURCE '/aws/lambda/${TailSamplerLambdaFunction}'",
    ]);
    expect(logs[0]!.properties.query).toContain('stats count(*) as errors by errorType');
  });

  it('refuses no log group, or more than Logs Insights reads', () => {
    const build = (errorLogGroups: unknown) => () =>
      observabilityResources({ slos: [], metricsNamespace: 'hoptrace', errorLogGroups });
    expect(build('')).toThrow(/names 0 log groups; Logs Insights reads 1 to 50/);
    expect(build(Array.from({ length: 51 }, (_, i) => `/g/${i}`))).toThrow(/names 51 log groups/);
    expect(build(42)).toThrow(/errorLogGroups must be log group names/);
  });
});

describe('docs/dashboards (run `npm run render:dashboards` after changing a dashboard)', () => {
  it.each(dashboardDocuments().map((d) => [d.name, d] as const))(
    '%s: the committed body and picture are what the definition makes',
    (name, doc) => {
      expect(readFileSync(new URL(`${name}.json`, DOCS_DIR), 'utf8')).toBe(doc.json);
      expect(readFileSync(new URL(`${name}.svg`, DOCS_DIR), 'utf8')).toBe(doc.svg);
      // The PNG is the SVG rasterised: at least its size must be the SVG's.
      const png = readFileSync(new URL(`${name}.png`, DOCS_DIR));
      const [, width, height] = /width="(\d+)" height="(\d+)"/.exec(doc.svg)!;
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([Number(width), Number(height)]);
    },
  );
});
