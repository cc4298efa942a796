import type { ViewData } from '../model';

const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The HTML report: one self-contained page for one ViewData. */
export function renderReport(data: ViewData): string {
  const rows = data.traces.map((t) => `${t.startTime}  ${t.traceId}  ${t.rootName}  ${t.spanCount} spans  ${t.durationMs} ms`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>hoptrace: ${escapeHtml(data.source)}</title></head>
<body><h1>hoptrace: ${escapeHtml(data.source)}</h1><pre>${escapeHtml(rows)}</pre>
<script type="application/json" id="hoptrace-data">${JSON.stringify(data).replace(/</g, '\\u003c')}</script>
</body></html>
`;
}
