// CloudWatch dashboard bodies (the DashboardBody JSON: widgets on a 24-column grid) from rows
// of widgets, as a CloudFormation Fn::Sub string: `ref(id)` names a resource of the stack,
// `${AWS::Region}` the region, and every other `${` (CloudWatch's dynamic labels) is escaped.

export const GRID_COLUMNS = 24;

/** A metric line: [namespace, name, dimension name, value, ..., { options }] or an expression. */
export type MetricLine = Array<string | Record<string, unknown>>;

export interface MetricWidget {
  type: 'metric';
  width: number;
  title: string;
  metrics: MetricLine[];
  stat?: string;
  /** Seconds per point. */
  period?: number;
  yAxis?: Record<string, unknown>;
  /** Horizontal lines: { label, value }. */
  horizontal?: Array<{ label: string; value: number }>;
}

export interface LogWidget {
  type: 'log';
  width: number;
  title: string;
  logGroups: string[];
  query: string;
}

export interface TextWidget {
  type: 'text';
  width: number;
  markdown: string;
}

export interface AlarmWidget {
  type: 'alarm';
  width: number;
  title: string;
  /** Logical ids of the stack's alarms. */
  alarms: string[];
}

export type Widget = MetricWidget | LogWidget | TextWidget | AlarmWidget;

export interface Row {
  height: number;
  widgets: Widget[];
}

// Stand-ins for references while the body is JSON: no JSON string holds NUL otherwise.
const REF_START = '\u0000ref:';
const REF_END = '\u0000';

/** A reference to a resource of the stack (its Ref, or `Id.Attribute`), inside a body string. */
export function ref(id: string): string {
  return `${REF_START}${id}${REF_END}`;
}

const REGION = ref('AWS::Region');

function properties(widget: Widget): Record<string, unknown> {
  switch (widget.type) {
    case 'metric': {
      const { type: _type, width: _width, horizontal, ...rest } = widget;
      return {
        view: 'timeSeries',
        region: REGION,
        ...rest,
        ...(horizontal ? { annotations: { horizontal } } : {}),
      };
    }
    case 'log': {
      const sources = widget.logGroups.map((group) => `SOURCE '${group}'`).join(' | ');
      return { title: widget.title, region: REGION, view: 'table', query: `${sources} | ${widget.query}` };
    }
    case 'text':
      return { markdown: widget.markdown };
    case 'alarm':
      return {
        title: widget.title,
        alarms: widget.alarms.map((id) => ref(`${id}.Arn`)),
        sortBy: 'stateUpdatedTimestamp',
      };
  }
}

/** The body's widgets, placed row by row; a row wider than the grid is refused. */
export function layout(rows: Row[]): Array<Record<string, unknown>> {
  const placed: Array<Record<string, unknown>> = [];
  let y = 0;
  for (const row of rows) {
    let x = 0;
    for (const widget of row.widgets) {
      if (x + widget.width > GRID_COLUMNS)
        throw new Error(
          `a dashboard row is wider than ${GRID_COLUMNS} columns (${row.widgets.map((w) => w.width).join(' + ')})`,
        );
      placed.push({ type: widget.type, x, y, width: widget.width, height: row.height, properties: properties(widget) });
      x += widget.width;
    }
    y += row.height;
  }
  return placed;
}

/** The DashboardBody as Fn::Sub. */
export function dashboardBody(rows: Row[]): { 'Fn::Sub': string } {
  const json = JSON.stringify({ widgets: layout(rows) });
  const escaped = json.replaceAll('${', '${!');
  return { 'Fn::Sub': escaped.replace(/\\u0000ref:([A-Za-z0-9:.]+)\\u0000/g, (_, id: string) => `\${${id}}`) };
}
