// `hoptrace view`'s page: one self-contained HTML file (styles, the viewer's script with its
// libraries, and the data), which loads nothing from anywhere when opened.
import { createHash } from 'node:crypto';
import type { ViewData } from '../model';
import { clientScript } from './client-bundle.generated';
import { dataElementId } from './data-element';
import { escapeHtml, jsonForScript } from './embed';
import { styles } from './styles';

// Only the viewer's own script may run (by its hash), and nothing may be fetched: even if
// some data slipped into the markup, it could neither run nor call out.
const policy = [
  "default-src 'none'",
  `script-src 'sha256-${createHash('sha256').update(clientScript).digest('base64')}'`,
  "style-src 'unsafe-inline'",
  'img-src data:',
].join('; ');

export function renderReport(data: ViewData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${policy}">
<title>${escapeHtml(`hoptrace · ${data.source}`)}</title>
<style>${styles}</style>
</head>
<body>
<div id="app"><noscript>This report needs JavaScript.</noscript></div>
<script type="application/json" id="${dataElementId}">${jsonForScript(data)}</script>
<script>${clientScript}</script>
</body>
</html>
`;
}
