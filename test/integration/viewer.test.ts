// The HTML report in a real headless Chromium (Debian's, installed by .ci/run): every view
// renders with no console error and no request, a click opens a waterfall, the searches find
// spans, a hostile span name stays text, and 10,000 spans or 5,000 traces stay virtualised.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../cli/src/view/report';
import { openReport, type ReportPage } from '../helpers/report-page';
import {
  bigTraceId,
  bigTraceSpans,
  checkoutTrace,
  checkoutTraceId,
  deepTraceId,
  deepTraceLevels,
  hostileName,
  sampleViewData,
} from '../../testing/view-data';

const data = sampleViewData(5_000);
const checkout = checkoutTrace();
let report: ReportPage;
let page: Page;

beforeAll(async () => {
  report = await openReport(renderReport(data), 'hoptrace-viewer-');
  page = report.page;
});

afterAll(async () => {
  await report?.close();
});

const countText = (testId: string) => page.getByTestId(testId).textContent();

type Box = { x: number; y: number; width: number; height: number };
// The page's getComputedStyle, for code run in it (the tests compile with Node's types only).
type Styles = { getComputedStyle(element: unknown): { backgroundColor: string; fill: string } };
const overlaps = (a: Box, b: Box): boolean =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

/** The hue (0–360) of a computed `rgb(r, g, b)` colour. */
function hueOf(rgb: string): number {
  const [r, g, b] = rgb
    .match(/\d+(\.\d+)?/g)!
    .slice(0, 3)
    .map((c) => Number(c) / 255) as [number, number, number];
  const max = Math.max(r, g, b);
  const d = max - Math.min(r, g, b);
  if (d === 0) return 0;
  const h = max === r ? ((g - b) / d) % 6 : max === g ? (b - r) / d + 2 : (r - g) / d + 4;
  return (h * 60 + 360) % 360;
}

describe('the HTML report in Chromium', { timeout: 120_000 }, () => {
  it('lists 5,000 traces, rendering only the rows in view, and filters them', async () => {
    await expect.poll(() => countText('trace-count')).toBe('5000 of 5000 traces');
    const rendered = await page.locator('.trace-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(100);

    await page.getByLabel('errors').check();
    const withErrors = data.traces.filter((t) => t.errorCount > 0).length;
    await expect.poll(() => countText('trace-count')).toBe(`${withErrors} of 5000 traces`);
    await page.getByLabel('errors').uncheck();

    // A span of at least 300 ms, as the command's --min-duration (every trace is held in full here).
    await page.getByLabel('Min span duration (ms)').fill('300');
    const slow = data.traces.filter((t) => data.details[t.traceId]!.spans.some((s) => s.durationMs >= 300)).length;
    await expect.poll(() => countText('trace-count')).toBe(`${slow} of 5000 traces`);
    await page.getByLabel('Min span duration (ms)').fill('');

    await page.getByRole('button', { name: 'Spans' }).click();
    await expect.poll(() => page.locator('.trace-row').first().getAttribute('data-trace-id')).toBe(bigTraceId);
    // The response time (the root's own duration) beside the extent.
    const first = page.locator('.trace-row').first().locator('.num');
    expect(await first.nth(1).textContent()).toBe('4.00 s');

    // Text anywhere in a trace: an attribute value of one span.
    await page.getByLabel('Search').fill('order-7731');
    await expect.poll(() => countText('trace-count')).toBe('1 of 5000 traces');
    // An error's message and an exception event are found too.
    await page.getByLabel('Search').fill('payment declined');
    await expect.poll(() => countText('trace-count')).toBe('1 of 5000 traces');

    // A span query, as the command's --query takes it, run by the command's evaluator.
    const spans = Object.values(data.details).map((d) => d.spans);
    const slowFailures = spans.filter((list) =>
      list.some((s) => s.service === 'inventory' && s.status === 'error' && s.durationMs > 150),
    ).length;
    expect(slowFailures).toBeGreaterThan(0);
    await page
      .getByLabel('Search')
      .fill('{ resource.service.name = "inventory" && status = error && duration > 150ms }');
    await expect.poll(() => countText('trace-count')).toBe(`${slowFailures} of 5000 traces`);
    const both = spans.filter(
      (list) => list.some((s) => s.kind === 'consumer') && list.some((s) => s.attributes['faas.coldstart'] === true),
    ).length;
    await page.getByLabel('Search').fill('{ kind = consumer } && { span.faas.coldstart = true }');
    await expect.poll(() => countText('trace-count')).toBe(`${both} of 5000 traces`);
    // The first error's class: throttled, 4xx or 5xx, from its HTTP status.
    for (const [status, label] of [
      [429, 'throttle'],
      [503, '5xx'],
      [404, '4xx'],
    ] as const) {
      await page.getByLabel('Search').fill(`{ span.http.status_code = ${status} }`);
      await expect.poll(() => page.locator('.trace-row .first-error .badge').first().textContent()).toBe(label);
      expect(await page.locator('.trace-row .first-error').first().textContent()).toContain(
        `inventory GET /inventory: ${status}`,
      );
    }
    await page.getByLabel('Search').fill('{ duration > 5 }');
    await expect
      .poll(() => page.getByTestId('query-error').textContent())
      .toBe('query does not parse at column 14: duration is compared with a duration such as 250ms');
    await expect.poll(() => countText('trace-count')).toBe('5000 of 5000 traces');
    await page.getByLabel('Search').fill('');

    // "Span name" means what the command's --name means: some span's name contains it.
    const withInventory = spans.filter((list) => list.some((s) => s.name.includes('GET /inventory'))).length;
    await page.getByLabel('Span name').fill('GET /inventory');
    await expect.poll(() => countText('trace-count')).toBe(`${withInventory} of 5000 traces`);
    await page.getByLabel('Span name').fill('');
  });

  it('opens a trace’s waterfall on a click: tree, critical path, markers, orphans apart', async () => {
    await page.locator(`.trace-row[data-trace-id="${checkoutTraceId}"]`).click();
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/trace/${checkoutTraceId}/waterfall`);
    await expect.poll(() => page.locator('.wf-row').count()).toBe(checkout.spans.length);
    const critical = checkout.spans.filter((s) => s.critical).map((s) => s.spanId);
    expect(
      await page.locator('.wf-row.critical').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-span-id'))),
    ).toEqual(critical);
    expect(await page.locator('.wf-row .badge.err').count()).toBe(1);
    expect(await page.locator('.wf-row .badge.cold').count()).toBe(1);
    expect(await page.locator('.wf-row .badge.async').count()).toBe(1);
    expect(await page.locator('.wf-row .badge.link').count()).toBe(1);
    expect(await page.locator('.wf-orphans').textContent()).toContain('1 span whose parent was never received');
    // The orphan comes after the orphans line, the last row.
    expect(await page.locator('.wf-row').last().getAttribute('data-span-id')).toBe(checkout.orphans[0]);

    await page.locator('.wf-row', { hasText: 'GET inventory' }).locator('.toggle').click();
    await expect.poll(() => page.locator('.wf-row').count()).toBe(checkout.spans.length - 1);
    await page.getByRole('button', { name: 'Expand all' }).click();
    await expect.poll(() => page.locator('.wf-row').count()).toBe(checkout.spans.length);
  });

  it('keeps each duration label in the time column, off the badges, and colours no error-free service red', async () => {
    const rows = page.locator('.wf-row');
    for (let i = 0; i < (await rows.count()); i++) {
      const row = rows.nth(i);
      const label = (await row.locator('.dur').boundingBox())!;
      const time = (await row.locator('.wf-time').boundingBox())!;
      expect(label.x, `row ${i}`).toBeGreaterThanOrEqual(time.x - 1);
      expect(label.x + label.width, `row ${i}`).toBeLessThanOrEqual(time.x + time.width + 60);
      for (const badge of await row.locator('.badge').all())
        expect(overlaps(label, (await badge.boundingBox())!), `row ${i}`).toBe(false);
    }
    // The root (cold start, across the whole axis) carries its label inside its bar.
    expect(await rows.first().locator('.dur').getAttribute('class')).toContain('inside');
    const hues = new Map<string, number>();
    for (const dot of await page.locator('.wf-row .dot').all()) {
      const service = await dot.evaluate((d) => d.nextElementSibling!.textContent!);
      hues.set(
        service,
        hueOf(await dot.evaluate((d) => (globalThis as unknown as Styles).getComputedStyle(d).backgroundColor)),
      );
    }
    expect([...hues.keys()].sort()).toEqual(['api', 'inventory', 'worker']);
    for (const [service, hue] of hues) expect(hue >= 315 || hue < 35, `${service} at ${hue}°`).toBe(false);
  });

  it('links the span panel’s parent to the parent span', async () => {
    await page.locator('.wf-row', { hasText: 'GET /inventory' }).click();
    const details = page.getByTestId('span-details');
    await expect.poll(() => details.locator('h3').textContent()).toBe('GET /inventory');
    await details.getByTestId('parent-link').click();
    await expect.poll(() => details.locator('h3').textContent()).toBe('GET inventory');
    await details.getByTestId('parent-link').click();
    await expect.poll(() => details.locator('h3').textContent()).toBe('POST /checkout');
    expect(await details.getByTestId('parent-link').count()).toBe(0);
    expect(await details.locator('tr', { hasText: 'parent' }).locator('td').textContent()).toBe('(root)');
    await details.getByTitle('Close').click();
  });

  it('links a trace and an invocation to their lines in CloudWatch Logs Insights', async () => {
    const traceLink = page.locator('.trace-head').getByTestId('logs-link');
    expect(await traceLink.textContent()).toBe('Logs (eu-west-1)');
    expect(await traceLink.getAttribute('title')).toContain(`filter @message like "${checkoutTraceId}"`);
    expect(await traceLink.getAttribute('href')).toMatch(
      /^https:\/\/eu-west-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=eu-west-1#logsV2:logs-insights/,
    );
    await page.locator('.wf-row', { hasText: 'POST /checkout' }).first().click();
    const details = page.getByTestId('span-details');
    await expect.poll(() => details.locator('h3').textContent()).toBe('POST /checkout');
    expect(await details.getByTestId('logs-query').textContent()).toContain('filter @requestId = "req-checkout-1"');
    expect(await details.getByTestId('logs-link').getAttribute('href')).toContain('*2Faws*2Flambda*2Fapi');
    await details.getByTitle('Close').click();
  });

  it('shows a hostile span name and attribute as text, running nothing', async () => {
    const hostileId = checkout.spans.find((s) => s.name === hostileName)!.spanId;
    const row = page.locator(`.wf-row[data-span-id="${hostileId}"]`);
    expect(await row.locator('.span-name').textContent()).toBe(hostileName);
    await row.click();
    const details = page.getByTestId('span-details');
    expect(await details.locator('h3').textContent()).toBe(hostileName);
    expect(await details.locator('th', { hasText: '<b>key</b>' }).count()).toBe(1);
    expect(await details.locator('td', { hasText: '</script><!--' }).count()).toBe(1);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('img, b:not(.badge)').count()).toBe(0);
    expect(await page.title()).toBe(`hoptrace · ${data.source}`);
  });

  it('finds a span with the search in the trace and shows its details', async () => {
    await page.getByPlaceholder('Find in trace').fill('/INVENTORY');
    await expect.poll(() => countText('match-count')).toBe('1 / 1 matches');
    await page.getByPlaceholder('Find in trace').press('Enter');
    await expect.poll(() => page.getByTestId('span-details').locator('h3').textContent()).toBe('GET /inventory');
    expect(await page.locator('.wf-row.match').count()).toBe(1);
    // An API 1.10 map or list attribute: indented JSON, as text.
    const messages = page
      .getByTestId('span-details')
      .locator('tr', { hasText: 'gen_ai.input.messages' })
      .locator('pre.json');
    expect(await messages.textContent()).toBe(
      JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: '<img src=x>' }] }], null, 2),
    );
    expect(await page.locator('img').count()).toBe(0);
  });

  it('follows a span link to the linked span', async () => {
    await page.locator('.wf-row', { hasText: 'orders process' }).click();
    await page
      .getByTestId('span-details')
      .getByRole('button', { name: /^span aaaaaaaa/ })
      .click();
    await expect
      .poll(() => page.getByTestId('span-details').locator('h3').textContent())
      .toBe('SQS SendMessage orders');
  });

  it('draws the flame graph', async () => {
    await page.getByRole('button', { name: 'Flame graph' }).click();
    await expect.poll(() => page.locator('.flame-block').count()).toBe(checkout.spans.length);
    const root = await page.locator(`.flame-block[data-span-id="${checkout.spans[0]!.spanId}"]`).boundingBox();
    const child = await page.locator(`.flame-block[data-span-id="${checkout.spans[2]!.spanId}"]`).boundingBox();
    expect(child!.y).toBeGreaterThan(root!.y);
    expect(child!.width).toBeLessThan(root!.width);
  });

  it('keeps a 10,000-span trace virtualised, and its search reaches the last span', async () => {
    await page.evaluate(
      (id) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/trace/${id}/waterfall`),
      bigTraceId,
    );
    await expect.poll(() => page.locator('.wf-row').count()).toBeGreaterThan(10);
    expect(await page.locator('.wf-row').count()).toBeLessThan(120);
    const last = `op-${bigTraceSpans - 1}`;
    expect(await page.locator('.span-name', { hasText: new RegExp(`^${last}$`) }).count()).toBe(0);
    await page.getByPlaceholder('Find in trace').fill(last);
    await expect.poll(() => countText('match-count')).toBe('1 / 1 matches');
    await page.getByPlaceholder('Find in trace').press('Enter');
    await expect(page.locator('.wf-row.selected .span-name').textContent()).resolves.toBe(last);
    expect(await page.locator('.wf-row.selected').isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Flame graph' }).click();
    await expect.poll(() => page.locator('.flame-block').count()).toBeGreaterThan(100);
  });

  it('fills the 10,000-span waterfall’s view on every frame scrolled a screenful, with a few rows to spare', async () => {
    await page.getByRole('button', { name: 'Waterfall' }).click();
    await expect.poll(() => page.locator('.wf-row').count()).toBeGreaterThan(10);
    // Each frame: scroll, let the page draw, then the rows must cover the view (no blank band).
    const frames = await page.evaluate(`(async () => {
      const box = document.querySelector('.wf-rows');
      box.scrollTop = 0;
      const out = [];
      for (let i = 0; i < 20; i++) {
        box.scrollTop += 780;
        await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
        const view = box.getBoundingClientRect();
        const rows = [...box.querySelectorAll('.wf-row')].map((r) => r.getBoundingClientRect());
        out.push({
          rows: rows.length,
          viewRows: Math.ceil(box.clientHeight / 26),
          covered: Math.min(...rows.map((r) => r.top)) <= view.top && Math.max(...rows.map((r) => r.bottom)) >= view.top + box.clientHeight,
        });
      }
      return out;
    })()`);
    for (const [i, frame] of (frames as { rows: number; viewRows: number; covered: boolean }[]).entries()) {
      expect(frame.covered, `frame ${i}`).toBe(true);
      expect(frame.rows, `frame ${i}`).toBeLessThanOrEqual(frame.viewRows + 1 + 2 * 4);
    }
    // A row's click is read by the list (no listener of its own): it selects that row's span.
    const row = page.locator('.wf-row').nth(10);
    const spanId = await row.getAttribute('data-span-id');
    await row.locator('.span-name').click();
    await expect.poll(() => page.locator('.wf-row.selected').getAttribute('data-span-id')).toBe(spanId);
    await page.getByTestId('span-details').getByTitle('Close').click();
  });

  it('draws the service map as a graph, sync and async edges apart', async () => {
    await page.getByRole('button', { name: 'Service map' }).click();
    await expect.poll(() => page.locator('.map-node').count()).toBe(data.map.nodes.length);
    expect(await page.locator('.map-edge').count()).toBe(data.map.edges.length);
    const async = data.map.edges.filter((e) => e.kind === 'async').length;
    expect(await page.locator('.map-edge[data-kind="async"]').count()).toBe(async);
    const edge = page.locator('.map-edge[data-from="api"][data-to="inventory"]');
    expect(await edge.locator('text').textContent()).toBe('5000× · 500 err · 190.0 ms');
    const nodeStats = page.locator('.map-node[data-service="inventory"] .node-stats');
    expect(await nodeStats.textContent()).toBe('5000 requests · 500 err · p95 198.0 ms');
  });

  it('puts every edge label clear of the nodes, and gives neighbouring services distinct hues', async () => {
    const nodes = await page
      .locator('.map-node > rect:first-child')
      .evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect().toJSON() as Box));
    for (const label of await page.locator('.edge-label').all()) {
      const box = (await label.boundingBox())!;
      for (const node of nodes) expect(overlaps(box, node), (await label.textContent()) ?? '').toBe(false);
    }
    const hues = await page
      .locator('.map-node[data-kind="service"]')
      .evaluateAll((gs) =>
        gs.map(
          (g) =>
            [
              g.getAttribute('data-service')!,
              (globalThis as unknown as Styles).getComputedStyle(g.querySelectorAll('rect')[1]!).fill,
            ] as [string, string],
        ),
      );
    const byService = new Map(hues.map(([service, fill]) => [service, hueOf(fill)]));
    // svc-0 … svc-4 call one another: each pair of them tells apart (280° of hues shared by the 8 services: 35° apart).
    for (let i = 0; i < 5; i++) {
      for (let j = i + 1; j < 5; j++) {
        const apart = Math.abs(byService.get(`svc-${i}`)! - byService.get(`svc-${j}`)!);
        expect(Math.min(apart, 360 - apart), `svc-${i} / svc-${j}`).toBeGreaterThanOrEqual(30);
      }
    }
  });

  it('shows the stats tables', async () => {
    await page.getByRole('button', { name: 'Stats' }).click();
    await expect
      .poll(() => page.getByTestId('operations').locator('tbody tr').count())
      .toBe(data.stats.operations.length);
    expect(await page.getByTestId('functions').locator('tbody tr').first().textContent()).toContain('4.0%');
    expect(await page.getByTestId('completeness').textContent()).toContain('4999 (>99.9%)');
  });

  it('shows every name of a waterfall 47 levels deep at 1280 px with the span panel open', async () => {
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.evaluate(
      (id) => ((globalThis as unknown as { location: { hash: string } }).location.hash = `#/trace/${id}/waterfall`),
      deepTraceId,
    );
    await expect.poll(() => page.locator('.wf-row').count()).toBe(deepTraceLevels);
    await page.locator('.wf-row').last().click();
    await expect.poll(() => page.getByTestId('span-details').count()).toBe(1);
    const rows = await page.locator('.wf-row .wf-name').evaluateAll((cells) =>
      cells.map((cell) => {
        const name = cell.querySelector('.span-name')!.getBoundingClientRect();
        const box = cell.getBoundingClientRect();
        return {
          text: cell.querySelector('.span-name')!.textContent,
          width: name.width,
          inside: name.left >= box.left && name.right <= box.right + 0.5,
        };
      }),
    );
    expect(rows.map((r) => r.text)).toEqual(Array.from({ length: deepTraceLevels }, (_, i) => `level-${i} handler`));
    // Each name keeps room for its first characters ("level-46" at least), inside its cell.
    for (const row of rows) {
      expect(row.width, row.text!).toBeGreaterThanOrEqual(50);
      expect(row.inside, row.text!).toBe(true);
    }
    await page.setViewportSize({ width: 1400, height: 900 });
  });

  it('logged no console error and made no request', () => {
    expect(report.problems).toEqual([]);
  });
});

describe('the viewer bundle', () => {
  it('is built from the current client sources', async () => {
    await expect(
      promisify(execFile)(process.execPath, ['cli/scripts/build-viewer.mjs', '--check']),
    ).resolves.toBeDefined();
  });
});
