// The viewer's entry point: reads the report's data from the page and renders it.
import { html, render } from 'htm/preact';
import type { ViewData } from '../../model';
import { App } from './app';
import { dataElementId } from '../data-element';
import { setPalette } from './format';

const element = document.getElementById(dataElementId);
const root = document.getElementById('app');
if (!element || !root) throw new Error('hoptrace report: the page has lost its data or its root element');
const data = JSON.parse(element.textContent ?? '') as ViewData;
setPalette([
  ...data.traces.flatMap((t) => t.services),
  ...data.stats.operations.map((o) => o.service),
  ...data.map.nodes.filter((n) => n.kind === 'service').map((n) => n.service),
]);
render(html`<${App} data=${data} />`, root);
