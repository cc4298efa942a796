// A picture of a dashboard's layout: each widget of a DashboardBody drawn where the 24-column
// grid puts it, with its title and what it shows. SVG, so that it is text a test can compare.
import { GRID_COLUMNS } from './dashboard-body';

const COLUMN = 44;
const ROW = 30;
const PAD = 4;
const LINE = 15;
const CHAR = 6.4;

const FILL: Record<string, string> = { metric: '#e8f1fb', alarm: '#fdecea', log: '#e9f6ec', text: '#f3f3f3' };
const KIND: Record<string, string> = { metric: 'graph', alarm: 'alarm status', log: 'Logs Insights', text: 'text' };

interface PlacedWidget {
  type: string;
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, any>;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Text cut to what fits in `width` pixels. */
function fit(text: string, width: number): string {
  const max = Math.floor(width / CHAR);
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}

/** What one metric line plots: its label, a SEARCH's metric and statistic, or metric and statistic. */
function describeLine(line: Array<string | Record<string, any>>): string | undefined {
  const options = (typeof line.at(-1) === 'object' ? line.at(-1) : {}) as Record<string, any>;
  if (options.visible === false) return undefined;
  if (typeof options.expression === 'string') {
    const search = /SEARCH\('\{[^,]+,?([^}]*)\} MetricName="([^"]+)"', '([^']+)'/.exec(options.expression);
    if (search)
      return `${search[2]} ${search[3]}${search[1] ? ` per ${search[1].replace(/,/g, ', ')}` : ''}${options.expression.startsWith('SUM(') ? ', summed' : ''}`;
    return options.label ?? options.expression;
  }
  return options.label ?? `${line[1]} ${options.stat ?? ''}`.trim();
}

function contents(widget: PlacedWidget): string[] {
  const p = widget.properties;
  switch (widget.type) {
    case 'metric': {
      const lines = (p.metrics as Array<Array<string | Record<string, any>>>)
        .map(describeLine)
        .filter((l): l is string => l !== undefined);
      const annotations = (p.annotations?.horizontal ?? []).map(
        (h: { label: string; value: number }) => `- - ${h.label} (${h.value})`,
      );
      return [...lines.map((l) => `• ${l}`), ...annotations];
    }
    case 'alarm':
      return (p.alarms as string[]).map((arn) => `• ${arn.replace(/^\$\{(Slo)?([A-Za-z0-9]+)\.Arn\}$/, '$2')}`);
    case 'log': {
      const query = String(p.query);
      const sources = (query.match(/SOURCE '[^']+'/g) ?? []).length;
      return [
        `${sources} log group${sources === 1 ? '' : 's'}`,
        ...query
          .replace(/SOURCE '[^']+' \| /g, '')
          .split(' | ')
          .map((step) => `| ${step}`),
      ];
    }
    default:
      return String(p.markdown).replace(/^# /, '').split('\n');
  }
}

function title(widget: PlacedWidget): string {
  if (widget.type === 'text') return '';
  return String(widget.properties.title ?? '');
}

/** The SVG picture of a dashboard body (its JSON, as Fn::Sub holds it). */
export function layoutPicture(name: string, body: string): string {
  const widgets = (JSON.parse(body) as { widgets: PlacedWidget[] }).widgets;
  const rows = Math.max(...widgets.map((w) => w.y + w.height));
  const width = GRID_COLUMNS * COLUMN;
  const height = rows * ROW + 28;
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="18" font-size="14" font-weight="bold">${escapeXml(name)} (${widgets.length} widgets, 24-column grid)</text>`,
  ];
  for (const w of widgets) {
    const x = w.x * COLUMN + PAD;
    const y = w.y * ROW + 28 + PAD;
    const boxWidth = w.width * COLUMN - 2 * PAD;
    const boxHeight = w.height * ROW - 2 * PAD;
    out.push(
      `<rect x="${x}" y="${y}" width="${boxWidth}" height="${boxHeight}" rx="3" fill="${FILL[w.type] ?? '#ffffff'}" stroke="#8a9bb0"/>`,
    );
    out.push(
      `<text x="${x + boxWidth - PAD}" y="${y + 13}" text-anchor="end" fill="#5b6b7f" font-size="10">${escapeXml(KIND[w.type] ?? w.type)}</text>`,
    );
    const heading = title(w);
    let lineY = y + 14;
    if (heading) {
      out.push(`<text x="${x + PAD}" y="${lineY}" font-weight="bold">${escapeXml(fit(heading, boxWidth - 90))}</text>`);
      lineY += LINE + 2;
    }
    const room = Math.floor((y + boxHeight - lineY) / LINE) + 1;
    const lines = contents(w);
    const shown = lines.length > room ? [...lines.slice(0, room - 1), `… ${lines.length - room + 1} more`] : lines;
    for (const line of shown) {
      out.push(`<text x="${x + PAD}" y="${lineY}" fill="#223">${escapeXml(fit(line, boxWidth - 2 * PAD))}</text>`);
      lineY += LINE;
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
